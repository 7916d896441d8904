"""edgecog's implementation of Cog's Python API (standard library only).

Names are imported lazily (PEP 562) so that `import cog` stays cheap: the
server imports it before the predictor, and user code often imports it first.
"""

__version__ = "0.16.12+edgecog"

_EXPORTS = {
    "AsyncConcatenateIterator": "types",
    "ConcatenateIterator": "types",
    "ExperimentalFeatureWarning": "types",
    "FieldInfo": "types",
    "File": "types",
    "Input": "types",
    "Path": "types",
    "Secret": "types",
    "URLFile": "types",
    "URLPath": "types",
    "BaseModel": "model",
    "BasePredictor": "predictor",
    "BaseRunner": "predictor",
    "concurrent": "predictor",
    "streaming": "predictor",
    "current_scope": "scope",
    "emit_metric": "scope",
    "CancelationException": "errors",
    "CancellationException": "errors",
}

__all__ = ["__version__"] + sorted(_EXPORTS)


def __getattr__(name):
    module_name = _EXPORTS.get(name)
    if module_name is None:
        raise AttributeError("module 'cog' has no attribute %r" % (name,))
    from importlib import import_module

    value = getattr(import_module("cog." + module_name), name)
    globals()[name] = value  # later lookups skip __getattr__
    return value


def __dir__():
    return __all__
