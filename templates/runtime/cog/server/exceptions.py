"""Server-side exceptions.

FatalWorkerException keeps Cog's name and module path (`cog.server.exceptions`)
because its formatted traceback ends up in `setup.logs`, which clients and the
conformance bench compare with what Cog's server reports.
"""


class FatalWorkerException(Exception):  # noqa: N818 - Cog's name
    """The worker failed in a way that stops it serving (setup failed, process died)."""


class InvalidStateException(Exception):  # noqa: N818 - Cog's name
    """An operation the worker cannot do in its current state."""
