"""BasePredictor/BaseRunner, the @concurrent and @streaming decorators, and
load_predictor(): what the server calls to turn "predict.py:Predictor" into
something it can set up, describe and call (see INTERFACE.md).
"""

import os
import sys


class BaseRunner:
    """Base class for models: override setup() and run() (or predict())."""

    def setup(self, weights=None):  # pylint: disable=unused-argument
        """Load the model once, before the first prediction."""
        return None

    def run(self, **kwargs):
        if _defines(type(self), "predict"):
            return self.predict(**kwargs)
        raise NotImplementedError("run has not been implemented by parent class.")

    def predict(self, **kwargs):
        if _defines(type(self), "run"):
            return self.run(**kwargs)
        raise NotImplementedError("predict has not been implemented by parent class.")

    def train(self, **kwargs):
        raise NotImplementedError("train has not been implemented by parent class.")

    @property
    def scope(self):
        """The current prediction's scope (metrics); a no-op scope outside one."""
        from .scope import current_scope

        return current_scope()

    def record_metric(self, name, value, mode="replace"):
        """Record a metric on the current prediction (no-op outside one)."""
        self.scope.record_metric(name, value, mode=mode)


class BasePredictor(BaseRunner):
    """Cog's original base class; the same as BaseRunner."""


def _defines(cls, name):
    """True when a user class (not our bases) defines `name`."""
    for owner in cls.__mro__:
        if owner in (BaseRunner, BasePredictor, object):
            return False
        if name in owner.__dict__:
            return True
    return False


# ---------------------------------------------------------------- decorators


def concurrent(fn=None, *, max=1):  # noqa: A002 - Cog's keyword
    """@concurrent(max=N): up to N predictions at once (needs an async predict)."""
    if isinstance(max, bool) or not isinstance(max, int):
        raise TypeError("concurrent max must be an integer")
    if max < 1:
        raise ValueError("concurrent max must be at least 1")

    def decorate(inner):
        if max > 1:
            import inspect

            if not (inspect.iscoroutinefunction(inner) or inspect.isasyncgenfunction(inner)):
                raise TypeError("concurrent max greater than 1 requires an async function")
        inner.__cog_concurrent_max__ = max
        return inner

    if fn is None:
        return decorate
    if not callable(fn):
        raise TypeError("concurrent must be used as @concurrent or @concurrent(max=...)")
    return decorate(fn)


def streaming(fn=None):
    """@streaming / @streaming(): allow Server-Sent Events for this iterator output."""

    def decorate(inner):
        try:
            inner.__cog_streaming__ = True
        except AttributeError:  # bound methods and builtins
            pass
        return inner

    if fn is None:
        return decorate
    return decorate(fn)


# ---------------------------------------------------------------- loading

_modules = {}


def _load_module(path):
    """Import a user file once per process (predict and train may share it)."""
    import importlib.util

    full = os.path.abspath(path)
    module = _modules.get(full)
    if module is not None:
        return module
    name = os.path.splitext(os.path.basename(path))[0]
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise ImportError("Cannot load module from %s" % path)
    module = importlib.util.module_from_spec(spec)
    # Registered before exec so pickle, dataclasses and `from __future__
    # import annotations` lookups find the module by name.
    sys.modules[name] = module
    directory = os.path.dirname(full)
    if directory not in sys.path:
        sys.path.insert(0, directory)
    saved_argv = sys.argv
    sys.argv = sys.argv[:1]  # user code calling argparse must not see our flags
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(name, None)
        raise
    finally:
        sys.argv = saved_argv
    _modules[full] = module
    return module


def _split_ref(ref):
    if ":" in ref:
        path, name = ref.rsplit(":", 1)
        return path, name
    return ref, None


def _resolve(ref, mode):
    path, name = _split_ref(ref)
    module = _load_module(path)
    if name is None:
        for candidate in (("Runner", "Predictor") if mode == "predict" else ("train", "Trainer")):
            if hasattr(module, candidate):
                name = candidate
                break
        else:
            raise AttributeError("module %r has no Runner or Predictor" % module.__name__)
    if not hasattr(module, name):
        raise AttributeError("module %r has no attribute %r (from %r)" % (module.__name__, name, ref))
    return getattr(module, name)


class LoadedPredictor:
    """A loaded predictor/trainer, ready for the worker (see INTERFACE.md)."""

    def __init__(self, target, mode):
        import inspect

        self.mode = mode
        self.instance = target() if inspect.isclass(target) else target
        self.is_class = inspect.isclass(target)
        self._func = self._pick_method()
        self._setup = getattr(self.instance, "setup", None) if self.is_class else None
        func = getattr(self._func, "__func__", self._func)
        self.is_async = inspect.iscoroutinefunction(func) or inspect.isasyncgenfunction(func)
        self.is_async_generator = inspect.isasyncgenfunction(func)
        self.is_generator = inspect.isgeneratorfunction(func)
        self.max_concurrency = getattr(func, "__cog_concurrent_max__", 1)
        self.streaming = bool(getattr(func, "__cog_streaming__", False))
        healthcheck = getattr(self.instance, "healthcheck", None) if self.is_class else None
        self._healthcheck = healthcheck if callable(healthcheck) else None
        from .schema import build_signature

        self.signature = build_signature(self._func, mode=mode, method_name=self._method_name)
        if self.streaming:
            if not self.signature.output_is_iterator:
                raise TypeError(
                    "@streaming requires Iterator[...], AsyncIterator[...], ConcatenateIterator[...] "
                    "or AsyncConcatenateIterator[...] return type"
                )
            # Cog 0.22 advertises SSE support on the prediction operation.
            self.signature.streaming = mode == "predict"

    def _pick_method(self):
        instance = self.instance
        if not self.is_class:
            self._method_name = getattr(instance, "__name__", "predict")
            return instance
        cls = type(instance)
        if self.mode == "train":
            names = ("train",)
        else:
            # Cog 0.22 refuses a class defining both; Cog <= 0.16 only knew
            # predict(), so a legacy class with a helper named run() keeps working.
            names = ("predict", "run")
        for name in names:
            if _defines(cls, name):
                self._method_name = name
                return getattr(instance, name)
        if self.mode == "train":
            raise AttributeError("train method not found: %s" % cls.__name__)
        raise AttributeError("run or predict method not found: %s" % cls.__name__)

    # -------------------------------------------------------- setup

    def setup(self):
        """Run the user's setup() (sync or async), passing weights like Cog."""
        if self._setup is None:
            return None
        import inspect

        kwargs = {}
        try:
            params = inspect.signature(self._setup).parameters
        except (TypeError, ValueError):
            params = {}
        if "weights" in params:
            kwargs["weights"] = self._weights(params["weights"])
        result = self._setup(**kwargs)
        if inspect.isawaitable(result):
            import asyncio

            return asyncio.run(_await(result)) if not _loop_running() else result
        return result

    def _weights(self, param):
        """COG_WEIGHTS (a URL) or ./weights when it exists, typed as setup() asks."""
        from . import types

        url = os.environ.get("COG_WEIGHTS")
        annotation = param.annotation
        wanted = _unwrap_optional(annotation)
        if url:
            if wanted is str:
                return url
            if isinstance(wanted, type) and issubclass(wanted, types.File):
                return types.File.validate(url)
            path = types.Path.validate(url)
            return path.convert() if hasattr(path, "convert") else path
        if os.path.exists("weights"):
            if isinstance(wanted, type) and issubclass(wanted, types.File):
                return open("weights", "rb")  # noqa: SIM115 - handed to user code
            if wanted is str:
                return "weights"
            return types.Path("weights")
        return None

    # -------------------------------------------------------- calls

    def predict(self, **kwargs):
        return self._func(**kwargs)

    @property
    def has_healthcheck(self):
        return self._healthcheck is not None

    def healthcheck(self):
        """Call the user's healthcheck(); may return an awaitable for async ones."""
        return self._healthcheck()


async def _await(awaitable):
    return await awaitable


def _loop_running():
    import asyncio

    try:
        asyncio.get_running_loop()
        return True
    except RuntimeError:
        return False


def _unwrap_optional(annotation):
    import typing

    if isinstance(annotation, str):
        return annotation
    args = typing.get_args(annotation)
    if args and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            return rest[0]
    return annotation


def load_predictor(ref, mode="predict", other_ref=None):
    """Load "file.py:Name" (class or function) for mode "predict" or "train".

    other_ref names the other side (train: for a predictor, predict: for a
    trainer) so that signature.openapi() describes both, as Cog's does; it is
    described only, never set up.
    """
    if mode not in ("predict", "train"):
        raise ValueError("mode must be 'predict' or 'train', not %r" % (mode,))
    loaded = LoadedPredictor(_resolve(ref, mode), mode)
    if other_ref:
        other_mode = "train" if mode == "predict" else "predict"
        other = LoadedPredictor(_resolve(other_ref, other_mode), other_mode)
        loaded.signature.attach(other.signature)
    return loaded
