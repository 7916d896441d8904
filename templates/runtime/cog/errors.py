"""Exceptions user code may see or raise."""


class CancelationException(Exception):  # noqa: N818 - Cog's public name
    """Raised inside a synchronous predict() when the prediction is canceled.

    It derives from Exception (as in Cog), so a bare `except Exception` in user
    code can swallow it; the worker treats the prediction as canceled anyway.
    """


# Both spellings are accepted.
CancellationException = CancelationException
