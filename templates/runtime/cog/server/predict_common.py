"""Running one prediction inside the worker (synchronous predictors).

The outcome goes to the parent as events: `output` per iterator item, then one
`done` carrying status, error, the single output (non-iterators) and metrics.
An output that does not fit the declared type is reported as `output_error`
(the parent answers a blocking request 500, as Cog does).
"""

import inspect
import shutil
import tempfile
import traceback

from cog.errors import CancelationException
from cog.scope import new_scope, reset_scope, set_scope

from .capture import NOBODY
from .upload import make_file_encoder


class InputError(Exception):
    """prepare_input() failed (e.g. a download answered 404)."""


def _schema():
    import cog.schema as schema

    return schema


def file_encoder_for(msg):
    return make_file_encoder(msg.get("upload"), _schema().data_uri_encoder)


def is_output_type_error(exc):
    cls = getattr(_schema(), "OutputTypeError", None)
    return cls is not None and isinstance(exc, cls)


def is_multi(worker, result):
    if inspect.isgenerator(result) or inspect.isasyncgen(result):
        return True
    return bool(getattr(worker.sig, "output_is_iterator", False)) and hasattr(result, "__next__")


def hook_metrics(worker, scope, tag):
    """Report each recorded metric as it happens (SSE `metric` events)."""
    metrics = getattr(scope, "metrics", None)
    record = getattr(metrics, "record", None)
    if record is None:
        return

    def live_record(name, value, mode="replace"):
        record(name, value, mode=mode)
        worker.send({"t": "metric", "tag": tag, "name": name, "value": value, "mode": mode})

    try:
        metrics.record = live_record
    except AttributeError:
        pass


class LazyDir:
    """The directory for a prediction's input files, created only if a file is written.

    Most predictions have no file input; making and removing a directory for each
    would be two wasted system calls on the hot path. tempfile (and os.path) call
    __fspath__, which is where the directory comes into being.
    """

    __slots__ = ("path",)

    def __init__(self):
        self.path = None

    def __fspath__(self):
        if self.path is None:
            self.path = tempfile.mkdtemp(prefix="cog-input-")
        return self.path

    def __str__(self):
        return self.__fspath__()


def get_tmpdir():
    return LazyDir()


def put_tmpdir(lazy):
    if lazy.path is not None:
        shutil.rmtree(lazy.path, ignore_errors=True)


def exit_message(exc):
    return "predict() called sys.exit(%s)" % (exc.code if exc.code is not None else "")


def run_prediction_sync(worker, msg, values):
    tag = msg["tag"]
    sig = worker.sig
    scope = new_scope(msg.get("context") or {})
    hook_metrics(worker, scope, tag)
    token = set_scope(scope)
    worker.capture.fd_tag = tag
    tmpdir = get_tmpdir()
    done = {"t": "done", "tag": tag, "status": "succeeded"}
    if "public_input" in msg:
        done["input"] = msg["public_input"]
    try:
        try:
            kwargs = sig.prepare_input(values, tmpdir)
        except Exception as exc:
            # a failed download is the request's problem, not the model's: no traceback in logs
            raise InputError(str(exc)) from exc
        worker.cancelable = True
        if worker.cancel_requested:
            raise CancelationException()
        try:
            result = worker.predictor.predict(**kwargs)
        finally:
            worker.cancelable = False
        encoder = file_encoder_for(msg)
        if is_multi(worker, result):
            worker.send({"t": "output_type", "tag": tag, "multi": True})
            iterator = iter(result)
            index = 0
            while True:
                worker.cancelable = True
                try:
                    if worker.cancel_requested:
                        raise CancelationException()
                    item = next(iterator)
                except StopIteration:
                    break
                finally:
                    worker.cancelable = False
                worker.send({"t": "output", "tag": tag, "v": sig.encode_output_item(item, encoder, index=index)})
                index += 1
        else:
            try:
                done["output"] = sig.encode_output(result, encoder)
            except Exception as exc:
                if not is_output_type_error(exc):
                    raise
                done["status"] = "failed"
                done["output_error"] = str(exc)
                done["error"] = str(exc)
        if worker.cancel_requested:
            done["status"] = "canceled"
    except CancelationException:
        done["status"] = "canceled"
    except InputError as exc:
        done["status"] = "failed"
        done["error"] = str(exc)
    except Exception as exc:
        worker.cancelable = False
        if worker.cancel_requested:
            done["status"] = "canceled"
        else:
            traceback.print_exc()
            done["status"] = "failed"
            done["error"] = str(exc)
    except SystemExit as exc:
        # The process is intact, so this is one failed prediction, not a dead worker.
        worker.cancelable = False
        traceback.print_exc()
        done["status"] = "failed"
        done["error"] = exit_message(exc)
    finally:
        worker.cancelable = False
        reset_scope(token)
    metrics = dict(getattr(scope, "metrics", None) or {})
    if metrics:
        done["metrics"] = metrics
    worker.capture.drain(tag)
    worker.capture.fd_tag = NOBODY
    put_tmpdir(tmpdir)
    worker.send(done)
