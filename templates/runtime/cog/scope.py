"""Per-prediction scope: metrics recorded by user code (current_scope, emit_metric).

The worker creates a Scope for each prediction and makes it current with
`use_scope(scope)` (a context manager; contextvar-based, so concurrent async
predictions each see their own). After the call it reads `scope.metrics`, a
plain dict (nested for dotted names) to merge into the response's `metrics`.
Outside a prediction, current_scope() returns a scope whose writes are
silently dropped, as in Cog 0.22.
"""

import contextvars
import math
import re

_SEGMENT = re.compile(r"^[A-Za-z](?:[A-Za-z0-9]|_(?!_))*$")
_MODES = ("replace", "incr", "append")
_MAX_NAME = 128
_MAX_SEGMENTS = 4


def validate_metric_name(name):
    """Raise ValueError unless `name` follows Cog's metric naming rules."""
    if not isinstance(name, str):
        raise TypeError("metric name must be a string, not %s" % type(name).__name__)
    if not name:
        raise ValueError("metric name must not be empty")
    if len(name) > _MAX_NAME:
        raise ValueError("metric name %r is longer than %d characters" % (name, _MAX_NAME))
    if name == "predict_time":
        raise ValueError("metric name 'predict_time' is reserved by the runtime")
    if name == "cog" or name.startswith("cog."):
        raise ValueError("metric name %r: names starting with 'cog.' are reserved" % name)
    segments = name.split(".")
    if len(segments) > _MAX_SEGMENTS:
        raise ValueError("metric name %r has more than %d dot-separated segments" % (name, _MAX_SEGMENTS))
    for segment in segments:
        if not _SEGMENT.match(segment) or segment.endswith("_"):
            raise ValueError(
                "invalid metric name %r: each dot-separated segment must start with a letter, "
                "end with a letter or digit, and contain only letters, digits and single underscores" % name
            )
    return segments


def _kind(value):
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "dict"
    return None


def _check_value(name, value):
    kind = _kind(value)
    if kind is None:
        raise TypeError(
            "metric %r: unsupported value type %s (use bool, int, float, str, list or dict)"
            % (name, type(value).__name__)
        )
    if kind == "number" and isinstance(value, float) and not math.isfinite(value):
        raise ValueError("metric %r: value must be a finite number, got %r" % (name, value))
    return kind


class Metrics(dict):
    """The metrics of one prediction. A dict, so it serialises as is.

    Writes go through record(): names are validated, dotted names nest,
    None deletes, and a key keeps its type until deleted.
    """

    def record(self, name, value, mode="replace"):
        if mode not in _MODES:
            raise ValueError("metric mode must be one of 'replace', 'incr', 'append', not %r" % (mode,))
        segments = validate_metric_name(name)
        parent = self
        for segment in segments[:-1]:
            child = dict.get(parent, segment)
            if child is None:
                if value is None:
                    return
                child = {}
                dict.__setitem__(parent, segment, child)
            elif not isinstance(child, dict):
                raise TypeError("metric %r: %r already holds a %s value" % (name, segment, _kind(child)))
            parent = child
        leaf = segments[-1]
        if value is None:
            dict.pop(parent, leaf, None)
            return
        kind = _check_value(name, value)
        current = dict.get(parent, leaf)
        if mode == "append":
            if current is None:
                dict.__setitem__(parent, leaf, [value])
            elif isinstance(current, list):
                current.append(value)
            else:
                raise TypeError("metric %r holds a %s value; append needs a list" % (name, _kind(current)))
            return
        if mode == "incr":
            if kind != "number":
                raise TypeError("metric %r: incr needs a number, got %s" % (name, type(value).__name__))
            if current is None:
                dict.__setitem__(parent, leaf, value)
            elif _kind(current) == "number":
                dict.__setitem__(parent, leaf, current + value)
            else:
                raise TypeError("metric %r holds a %s value; incr needs a number" % (name, _kind(current)))
            return
        if current is not None and _kind(current) != kind:
            raise TypeError(
                "metric %r holds a %s value; delete it before setting a %s" % (name, _kind(current), kind)
            )
        dict.__setitem__(parent, leaf, list(value) if isinstance(value, tuple) else value)

    def __setitem__(self, name, value):
        self.record(name, value)

    def __delitem__(self, name):
        segments = validate_metric_name(name)
        parent = self
        for segment in segments[:-1]:
            parent = dict.get(parent, segment)
            if not isinstance(parent, dict):
                raise KeyError(name)
        dict.__delitem__(parent, segments[-1])


class _NullMetrics(Metrics):
    """Outside a prediction: validate like the real thing, keep nothing."""

    def record(self, name, value, mode="replace"):
        return None

    def __delitem__(self, name):
        return None


class Scope:
    """What current_scope() returns during a prediction."""

    def __init__(self, context=None, metrics=None):
        self.context = dict(context or {})
        self.metrics = Metrics() if metrics is None else metrics

    def record_metric(self, name, value, mode="replace"):
        self.metrics.record(name, value, mode=mode)


_NULL_SCOPE = Scope(metrics=_NullMetrics())
_current = contextvars.ContextVar("cog_scope", default=None)


def current_scope():
    """The running prediction's scope (a no-op scope outside a prediction)."""
    scope = _current.get()
    return _NULL_SCOPE if scope is None else scope


def emit_metric(name, value):
    """Record a metric on the current prediction (Cog's older spelling)."""
    current_scope().record_metric(name, value)


def new_scope(context=None):
    return Scope(context=context)


class use_scope:  # noqa: N801 - used as a context manager
    """`with use_scope(scope):` makes `scope` current for this thread/task."""

    __slots__ = ("_scope", "_token")

    def __init__(self, scope):
        self._scope = scope
        self._token = None

    def __enter__(self):
        self._token = _current.set(self._scope)
        return self._scope

    def __exit__(self, *exc):
        _current.reset(self._token)
        return False


def set_scope(scope):
    """Make `scope` current; returns a token for reset_scope()."""
    return _current.set(scope)


def reset_scope(token):
    _current.reset(token)
