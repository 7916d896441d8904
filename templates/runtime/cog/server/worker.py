"""The worker process: imports the predictor, runs setup() and predictions.

    python -m cog.server.worker '<json config>'   (started by cog.server.supervisor)

It talks to the HTTP process over three pipes carrying JSON lines:
  commands  (parent -> worker): predict, cancel (async predictors), shutdown
  health    (parent -> worker): healthcheck requests, answered from a thread so
            a running synchronous predict() does not block them
  events    (worker -> parent): loaded / load_failed, log, setup_done, invalid,
            accepted, output, done, hc
A crash here (segfault, os._exit, out of memory) only ends this process; the
parent notices the closed pipe and reports the prediction failed and itself
DEFUNCT. Cancelling a synchronous predict() is a SIGUSR1 from the parent that
raises CancelationException inside user code; async predictions are cancelled
as asyncio tasks.
"""

import json
import os
import signal
import sys
import threading
import traceback

from .capture import NOBODY, SETUP, OutputCapture, TaggedStream, _write_all
from .exceptions import FatalWorkerException


class LineReader:
    """Blocking or incremental reader of JSON lines from a pipe.

    A big message (a large data: URI input) arrives in many reads: it is accumulated in a
    bytearray and only the new bytes are searched for its end, so that stays linear.
    """

    def __init__(self, fd):
        self.fd = fd
        self.buf = bytearray()
        self.scanned = 0  # bytes of buf known to hold no newline

    def feed(self):
        """Read what is available (may block); False at EOF."""
        try:
            data = os.read(self.fd, 65536)  # not larger: a read buffer of 256 KiB+ costs an mmap/munmap (~25 us) per call
        except (InterruptedError, BlockingIOError):
            return True
        if not data:
            return False
        self.buf += data
        return True

    def lines(self):
        while True:
            cut = self.buf.find(b"\n", self.scanned)
            if cut < 0:
                self.scanned = len(self.buf)
                return
            line = bytes(self.buf[:cut])
            del self.buf[:cut + 1]
            self.scanned = 0
            if line.strip():
                yield json.loads(line.decode("utf-8"))

    def next_message(self):
        while True:
            for msg in self.lines():
                return msg
            if not self.feed():
                return None


class Worker:
    def __init__(self, cfg):
        self.cfg = cfg
        self.evt_fd = cfg["evt_fd"]
        self.send_lock = threading.Lock()
        self.capture = OutputCapture(self._send_log)
        self.predictor = None
        self.sig = None
        self.cancelable = False
        self.cancel_requested = False
        self.tasks = {}  # async: tag -> asyncio.Task

    # ------------------------------------------------------------ messaging
    def send(self, obj):
        data = (json.dumps(obj, separators=(",", ":"), default=_json_default) + "\n").encode("utf-8")
        with self.send_lock:
            _write_all(self.evt_fd, data)

    def _send_log(self, tag, source, text):
        self.send({"t": "log", "tag": None if tag == SETUP else tag, "s": source, "d": text})

    # --------------------------------------------------------------- start
    def run(self):
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGUSR1, self._on_sigusr1)
        pipes = self.cfg.get("capture")
        self.capture.start({k: tuple(v) for k, v in pipes.items()} if pipes else None)
        sys.stdout = TaggedStream(self.capture, "stdout", sys.stdout)
        sys.stderr = TaggedStream(self.capture, "stderr", sys.stderr)
        hc_fd = self.cfg.get("hc_fd")
        if hc_fd is not None:
            threading.Thread(target=self._health_loop, args=(hc_fd,), name="cog-healthcheck", daemon=True).start()
        if not self._load():
            return 1
        if self.predictor.is_async:
            from .worker_async import run_async

            return run_async(self)
        if not self._setup_sync():
            return 1
        warm_up()
        return self._loop_sync()

    def _load(self):
        from cog.predictor import load_predictor  # noqa: WPS433 - after capture starts

        other = self.cfg.get("other_ref")
        try:
            try:
                p = load_predictor(self.cfg["ref"], mode=self.cfg["mode"], other_ref=other)
            except Exception:
                if not other:
                    raise
                # a broken other side must not stop this one from serving
                p = load_predictor(self.cfg["ref"], mode=self.cfg["mode"])
            sig = p.signature
            info = {
                "t": "loaded",
                "is_async": bool(p.is_async),
                "max_concurrency": int(getattr(p, "max_concurrency", 1) or 1),
                "streaming": bool(getattr(p, "streaming", False)),
                "has_healthcheck": bool(getattr(p, "has_healthcheck", False)),
                "iterator": bool(getattr(sig, "output_is_iterator", False)),
                "openapi": sig.openapi(),
            }
        except BaseException as exc:  # noqa: B902 - any failure here is a setup failure
            if isinstance(exc, KeyboardInterrupt):
                raise
            kind = _failure_kind(exc)
            tb = traceback.format_exc()
            if kind == "import":
                # Cog prints the import traceback inside the worker, so it is part of the setup logs
                sys.stderr.write(tb)
            self.capture.drain(SETUP)
            msg = {"t": "load_failed", "kind": kind, "error": str(exc), "traceback": tb}
            if kind == "import":
                try:
                    from cog.schema import fallback_openapi

                    msg["openapi"] = fallback_openapi(training=self.cfg["mode"] == "train")
                except Exception:
                    pass
            self.send(msg)
            return False
        self.predictor, self.sig = p, sig
        self.send(info)
        return True

    # ---------------------------------------------------------------- setup
    def effective_concurrency(self):
        conf = self.cfg.get("max_concurrency")
        return int(conf) if conf else int(getattr(self.predictor, "max_concurrency", 1) or 1)

    def check_concurrency(self):
        if self.effective_concurrency() > 1 and not self.predictor.is_async:
            raise FatalWorkerException("max_concurrency > 1 requires an async predict function, e.g. `async def predict()`")

    def _setup_sync(self):
        self.capture.fd_tag = SETUP
        error = None
        try:
            self.check_concurrency()
            result = self.predictor.setup()
            if hasattr(result, "__await__"):
                import asyncio

                asyncio.run(_awaitable(result))
        except BaseException as exc:  # noqa: B902 - SystemExit in setup() is a failed setup too
            if isinstance(exc, KeyboardInterrupt):
                raise
            traceback.print_exc()
            error = str(exc) or type(exc).__name__
        return self.finish_setup(error)

    def finish_setup(self, error):
        self.capture.drain(SETUP)
        self.capture.fd_tag = NOBODY
        self.send({"t": "setup_done", "ok": error is None, "error": error})
        return error is None

    # ----------------------------------------------------------- sync loop
    def _on_sigusr1(self, signum, frame):
        self.cancel_requested = True
        if self.cancelable:
            self.cancelable = False
            raise _cancel_exception()()

    def _loop_sync(self):
        reader = LineReader(self.cfg["cmd_fd"])
        while True:
            msg = reader.next_message()
            if msg is None or msg.get("t") == "shutdown":
                return 0
            if msg.get("t") == "predict":
                # A cancel signal from here on is for this prediction (even while validating);
                # one for the previous prediction has already been handled by now.
                self.cancel_requested = False
                self._predict_sync(msg)

    def begin(self, msg):
        """Validate; returns (values, scope token, tmpdir) or None when invalid."""
        tag = msg["tag"]
        inp = msg.get("input")
        ok, res = self.sig.validate_input(inp if isinstance(inp, dict) else {})
        if not ok:
            self.send({"t": "invalid", "tag": tag, "errors": res})
            return None
        public = self.sig.public_input(res)
        if msg.get("early", True):
            self.send({"t": "accepted", "tag": tag, "input": public})
        else:
            msg["public_input"] = public  # travels with `done`: one message, one wake-up of the parent
        return res

    def _predict_sync(self, msg):
        from .predict_common import run_prediction_sync

        values = self.begin(msg)
        if values is None:
            return
        run_prediction_sync(self, msg, values)

    # --------------------------------------------------------- healthcheck
    def _health_loop(self, fd):
        reader = LineReader(fd)
        while True:
            msg = reader.next_message()
            if msg is None:
                # The server process is gone (even SIGKILLed): nobody will ever read our
                # results, so do not keep running a long setup() or predict() for nothing.
                os._exit(0)
            ok, err = True, None
            if self.predictor is None:
                self.send({"t": "hc", "n": msg.get("n"), "ok": True, "error": None})
                continue
            try:
                fn = getattr(self.predictor, "healthcheck", None)
                result = fn() if fn is not None and getattr(self.predictor, "has_healthcheck", False) else True
                if hasattr(result, "__await__"):
                    import asyncio

                    loop = getattr(self, "loop", None)
                    if loop is not None and loop.is_running():
                        # run it where the predictor's other coroutines (and their clients) live
                        result = asyncio.run_coroutine_threadsafe(_awaitable(result), loop).result(10)
                    else:
                        result = asyncio.run(_awaitable(result))
                if not result:
                    ok, err = False, "Healthcheck failed: user-defined healthcheck returned False"
            except Exception as exc:
                ok, err = False, "Healthcheck failed: " + str(exc)
            self.send({"t": "hc", "n": msg.get("n"), "ok": ok, "error": err})


def warm_up():
    """Import what the first prediction needs now, not while a client waits; then move
    everything setup() built (model weights' Python objects included) out of the garbage
    collector's sight, so collections during predictions stay short."""
    try:
        import cog.scope  # noqa: F401
        import tempfile  # noqa: F401

        from . import predict_common  # noqa: F401
    except Exception:
        pass
    import gc

    if hasattr(gc, "freeze"):
        gc.collect()
        gc.freeze()


async def _awaitable(obj):
    return await obj


def _cancel_exception():
    try:
        from cog.errors import CancelationException

        return CancelationException
    except Exception:  # pragma: no cover - the API package is always there
        return RuntimeError


def _failure_kind(exc):
    """"signature" when the predictor imported but its types cannot be served, else "import".

    Cog reports the two differently: a bad signature is found while the server
    builds its routes (setup logs start with "Error while loading predictor"),
    an import error while the worker starts (a FatalWorkerException).
    """
    tb = exc.__traceback__
    last_cog = None
    while tb is not None:
        fname = tb.tb_frame.f_code.co_filename.replace("\\", "/")
        last_cog = ("/cog/_schema" in fname or "/cog/schema" in fname) or (last_cog and "/cog/" in fname)
        tb = tb.tb_next
    return "signature" if last_cog else "import"


def _json_default(obj):
    if hasattr(obj, "isoformat"):
        return obj.isoformat()
    if isinstance(obj, (set, frozenset, tuple)):
        return list(obj)
    if isinstance(obj, bytes):
        return obj.decode("utf-8", "replace")
    return str(obj)


def run_worker(cfg):
    try:
        code = Worker(cfg).run()
    except Exception:
        traceback.print_exc()
        code = 1
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    return code or 0


def main():
    os._exit(run_worker(json.loads(sys.argv[1])))


if __name__ == "__main__":
    main()
