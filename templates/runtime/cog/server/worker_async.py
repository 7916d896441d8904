"""The worker's event loop for `async def predict` (with concurrency.max > 1 allowed).

Commands are read with loop.add_reader (no thread hand-off); each prediction
is an asyncio task whose context carries its tag, so Python-level prints are
attributed to it (see capture.TaggedStream). Cancel = task.cancel().
"""

import asyncio
import inspect
import sys
import traceback

from .capture import CURRENT_TAG, NOBODY, SETUP
from .predict_common import InputError, exit_message, get_tmpdir, put_tmpdir, hook_metrics, file_encoder_for, is_multi, is_output_type_error


def run_async(worker):
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    worker.loop = loop
    try:
        return loop.run_until_complete(_main(worker, loop))
    finally:
        try:
            loop.close()
        except Exception:
            pass


async def _main(worker, loop):
    worker.capture.fd_tag = SETUP
    error = None
    try:
        worker.check_concurrency()
        result = worker.predictor.setup()
        if inspect.isawaitable(result):
            await result
    except BaseException as exc:  # noqa: B902 - see worker._setup_sync
        if isinstance(exc, (KeyboardInterrupt, asyncio.CancelledError)):
            raise
        traceback.print_exc()
        error = str(exc) or type(exc).__name__
    if not worker.finish_setup(error):
        return 1
    from .worker import warm_up

    warm_up()

    from .worker import LineReader

    stop = loop.create_future()
    reader = LineReader(worker.cfg["cmd_fd"])
    import os

    os.set_blocking(reader.fd, False)

    def on_readable():
        alive = reader.feed()
        for msg in reader.lines():
            kind = msg.get("t")
            if kind == "predict":
                values = worker.begin(msg)
                if values is not None:
                    tag = msg["tag"]
                    worker.tasks[tag] = loop.create_task(_predict(worker, msg, values))
                    _retag(worker)
            elif kind == "cancel":
                task = worker.tasks.get(msg.get("tag"))
                if task is not None:
                    task.cancel()
            elif kind == "shutdown" and not stop.done():
                stop.set_result(0)
        if not alive and not stop.done():
            stop.set_result(0)

    loop.add_reader(reader.fd, on_readable)
    code = await stop
    loop.remove_reader(reader.fd)
    for task in list(worker.tasks.values()):
        task.cancel()
    return code


def _retag(worker):
    """fd-level output (C code) can only be attributed when one prediction runs."""
    if len(worker.tasks) == 1:
        worker.capture.fd_tag = next(iter(worker.tasks))
    else:
        worker.capture.fd_tag = NOBODY


async def _predict(worker, msg, values):
    from cog.scope import new_scope, set_scope

    tag = msg["tag"]
    sig = worker.sig
    CURRENT_TAG.set(tag)
    scope = new_scope(msg.get("context") or {})
    hook_metrics(worker, scope, tag)
    set_scope(scope)  # task-local: each task runs in its own context copy
    tmpdir = get_tmpdir()
    done = {"t": "done", "tag": tag, "status": "succeeded"}
    if "public_input" in msg:
        done["input"] = msg["public_input"]
    loop = asyncio.get_running_loop()
    try:
        try:
            kwargs = sig.prepare_input(values, tmpdir)
        except Exception as exc:
            raise InputError(str(exc)) from exc
        result = worker.predictor.predict(**kwargs)
        if inspect.isawaitable(result):
            result = await result
        encoder = file_encoder_for(msg)
        uploads = bool(msg.get("upload"))

        async def encode(fn, value, *extra):
            # uploads block on the network: keep the loop (other predictions) running
            if uploads:
                return await loop.run_in_executor(None, fn, value, encoder, *extra)
            return fn(value, encoder, *extra)

        if is_multi(worker, result):
            worker.send({"t": "output_type", "tag": tag, "multi": True})
            index = 0
            if inspect.isasyncgen(result) or hasattr(result, "__anext__"):
                async for item in result:
                    worker.send({"t": "output", "tag": tag, "v": await encode(sig.encode_output_item, item, index)})
                    index += 1
            else:
                for item in result:
                    worker.send({"t": "output", "tag": tag, "v": await encode(sig.encode_output_item, item, index)})
                    index += 1
                    await asyncio.sleep(0)
        else:
            try:
                done["output"] = await encode(sig.encode_output, result)
            except Exception as exc:
                if not is_output_type_error(exc):
                    raise
                done.update(status="failed", output_error=str(exc), error=str(exc))
    except asyncio.CancelledError:
        done["status"] = "canceled"
        task = asyncio.current_task()
        if task is not None and hasattr(task, "uncancel"):
            task.uncancel()
    except InputError as exc:
        done.update(status="failed", error=str(exc))
    except Exception as exc:
        if _is_cancel(exc):
            done["status"] = "canceled"
        else:
            traceback.print_exc()
            done.update(status="failed", error=str(exc))
    except SystemExit as exc:
        traceback.print_exc()
        done.update(status="failed", error=exit_message(exc))
    metrics = dict(getattr(scope, "metrics", None) or {})
    if metrics:
        done["metrics"] = metrics
    worker.capture.drain(tag)
    worker.tasks.pop(tag, None)
    _retag(worker)
    put_tmpdir(tmpdir)
    worker.send(done)
    try:
        sys.stdout.flush()
    except Exception:
        pass


def _is_cancel(exc):
    try:
        from cog.errors import CancelationException

        return isinstance(exc, CancelationException)
    except Exception:
        return False
