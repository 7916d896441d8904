"""Routes and server state of the prediction server (see PROTOCOL.md)."""

import json

from .envelope import check_request, parse_body
from .exceptions import FatalWorkerException
from .runner import Runner, format_exception, now_iso
from . import sse

_enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def dumps(obj):
    return _enc(obj).encode("utf-8")


NOT_FOUND = b'{"detail":"Not Found"}'
NOT_ALLOWED = b'{"detail":"Method Not Allowed"}'
BUSY = b'{"detail":"Already running a prediction"}'
HC_TIMEOUT = 5.0


class App:
    def __init__(self, loop, opts, version):
        self.loop = loop
        self.opts = opts  # mode, upload_url, train_enabled, await_explicit_shutdown, max_concurrency
        self.version = version
        self.state = "STARTING"
        self.setup_started_at = now_iso()
        self.setup = {}
        self.setup_logs = []
        self.info = None
        self.routes_limited = False  # predictor types could not be loaded: health + shutdown only
        self.openapi_body = None
        self.openapi_waiters = []
        self.runner = None
        self.worker = None
        self.draining = False
        self.stopping = False
        self.on_stop = None  # (exit code) -> None
        index = {
            "cog_version": version, "docs_url": "/docs", "openapi_url": "/openapi.json", "shutdown_url": "/shutdown",
            "healthcheck_url": "/health-check", "predictions_url": "/predictions",
            "predictions_idempotent_url": "/predictions/{prediction_id}",
            "predictions_cancel_url": "/predictions/{prediction_id}/cancel",
        }
        if opts["train_enabled"]:
            index.update(trainings_url="/trainings", trainings_idempotent_url="/trainings/{training_id}",
                         trainings_cancel_url="/trainings/{training_id}/cancel")
        self.index_body = dumps(index)

    # ========================================================= worker side
    def on_worker_event(self, msg):
        kind = msg.get("t")
        if kind == "log" and msg.get("tag") is None:
            if self.state == "STARTING":
                self.setup_logs.append(msg.get("d", ""))
            return
        if self.runner is not None and kind in ("log", "output", "output_type", "accepted", "invalid", "done", "metric"):
            self.runner.on_event(msg)
            if kind == "done" and self.draining and not self.runner.active:
                self.stop(0)
            return
        if kind == "loaded":
            self.info = msg
            slots = self.opts.get("max_concurrency") or msg.get("max_concurrency") or 1
            self.runner = Runner(self.worker, int(slots), bool(msg.get("is_async")), self.version)
            self.openapi_body = dumps(msg.get("openapi") or {})
            self._wake_openapi()
        elif kind == "load_failed":
            if msg.get("kind") == "signature":
                self.routes_limited = True
                self.setup_logs = ["Error while loading predictor:\n\n" + msg.get("traceback", "")]
                self.setup_failed(None)
            else:
                if msg.get("openapi"):
                    self.openapi_body = dumps(msg["openapi"])
                self.setup_failed("Predictor errored during setup: " + msg.get("error", ""))
        elif kind == "setup_done":
            if msg.get("ok"):
                self._setup_finished("succeeded")
                self.state = "READY"
            else:
                self.setup_failed("Predictor errored during setup: " + (msg.get("error") or ""))

    def _setup_finished(self, status):
        self.setup = {"started_at": self.setup_started_at, "completed_at": now_iso(),
                      "logs": "".join(self.setup_logs), "status": status}

    def setup_failed(self, fatal_message):
        if self.state != "STARTING":
            return
        if fatal_message is not None:
            self.setup_logs.append(format_exception(FatalWorkerException(fatal_message)))
        self._setup_finished("failed")
        self.state = "SETUP_FAILED"
        self._wake_openapi()
        sys_stderr("setup failed:\n" + self.setup["logs"])
        self._maybe_exit(1)

    def on_worker_exit(self, code):
        if self.state == "STARTING":
            for text in self.worker.leftover_output().values():
                self.setup_logs.append(text if text.endswith("\n") else text + "\n")
            self.setup_failed("Predictor setup failed for an unknown reason. It might have run out of memory? (exitcode %s)" % code)
        elif self.state == "READY" and self.on_stop is not None and not self.stopping:
            self.state = "DEFUNCT"
            if self.runner is not None:
                self.runner.worker_died(code, self.worker.leftover_output())
            sys_stderr("the worker process exited (code %s): DEFUNCT\n" % code)
            self._maybe_exit(1)

    def _maybe_exit(self, code):
        """Cog exits after a fatal error unless --await-explicit-shutdown; we wait a little
        first so a supervisor polling /health-check can still read why."""
        if not self.opts["await_explicit_shutdown"]:
            self.loop.call_later(self.opts.get("exit_grace", 5.0), self.stop, code)

    def setup_timeout(self, seconds):
        if self.state == "STARTING" and self.worker is not None:
            self.setup_logs.append("setup() did not finish within COG_SETUP_TIMEOUT=%gs\n" % seconds)
            self.setup_failed("Predictor errored during setup: setup timed out after %g seconds" % seconds)
            self.worker.kill()

    def stop(self, code):
        if self.on_stop is not None:
            cb, self.on_stop = self.on_stop, None
            self.stopping = True
            cb(code)

    def _wake_openapi(self):
        waiters, self.openapi_waiters = self.openapi_waiters, []
        for conn in waiters:
            self._openapi(conn)

    # =============================================================== HTTP
    def handle(self, req, conn):
        path, method = req.path, req.method
        if path == "/health-check":
            return self._health(conn) if method == "GET" else conn.respond_json(405, NOT_ALLOWED)
        if path == "/shutdown":
            if method != "POST":
                return conn.respond_json(405, NOT_ALLOWED)
            conn.respond_json(200, b"{}")
            return self.loop.call_soon(self.stop, 0)
        if self.routes_limited:
            if path == "/openapi.json":  # Cog fails building the schema here: 500, as it does
                return conn.respond(500, b"Internal Server Error", b"text/plain; charset=utf-8")
            return conn.respond_json(404, NOT_FOUND)
        if path == "/":
            return conn.respond_json(200, self.index_body) if method == "GET" else conn.respond_json(405, NOT_ALLOWED)
        if path == "/openapi.json":
            return self._openapi(conn) if method == "GET" else conn.respond_json(405, NOT_ALLOWED)
        for prefix, train in (("/predictions", False), ("/trainings", True)):
            if not path.startswith(prefix) or (train and not self.opts["train_enabled"]):
                continue
            rest = path[len(prefix):]
            if rest == "":
                if method != "POST":
                    return conn.respond_json(405, NOT_ALLOWED)
                return self._predict(req, conn, None, train)
            if rest[0] != "/" or rest == "/":
                break
            pid = rest[1:]
            if pid.endswith("/cancel") and "/" not in pid[:-7] and len(pid) > 7:
                if method != "POST":
                    return conn.respond_json(405, NOT_ALLOWED)
                return self._cancel(conn, pid[:-7])
            if "/" in pid:
                break
            if method != "PUT":
                return conn.respond_json(405, NOT_ALLOWED)
            return self._predict(req, conn, pid, train)
        if path == "/docs" and method == "GET":
            return conn.respond(200, DOCS_PAGE, b"text/html; charset=utf-8")
        return conn.respond_json(404, NOT_FOUND)

    # ------------------------------------------------------------- health
    def _health(self, conn):
        state = self.state
        if state == "READY":
            if self.runner is not None and self.runner.busy():
                state = "BUSY"
            if self.info and self.info.get("has_healthcheck") and self.worker is not None:
                return self._user_health(conn, state)
        conn.respond_json(200, dumps({"status": state, "setup": self.setup}))

    def _user_health(self, conn, state):
        fut = self.worker.healthcheck()
        timer = None

        def finish(ok, error):
            if timer is not None:
                timer.cancel()
            doc = {"status": state if ok else "UNHEALTHY", "setup": self.setup}
            if not ok:
                doc["user_healthcheck_error"] = error
            conn.respond_json(200, dumps(doc))

        def done(f):
            ok, error = f.result()
            finish(ok, error)

        def timed_out():
            if not fut.done():
                self.worker.forget_healthcheck(fut)
                fut.remove_done_callback(done)
                finish(False, "Healthcheck failed: user-defined healthcheck timed out after %s seconds" % HC_TIMEOUT)

        if fut.done():
            return done(fut)
        timer = self.loop.call_later(HC_TIMEOUT, timed_out)
        fut.add_done_callback(done)

    # ------------------------------------------------------------ openapi
    def _openapi(self, conn):
        if self.openapi_body is not None:
            return conn.respond_json(200, self.openapi_body)
        if self.state == "STARTING":
            self.openapi_waiters.append(conn)  # answered once the worker has loaded the predictor
            return None
        if self.routes_limited:
            return conn.respond(500, b"Internal Server Error", b"text/plain; charset=utf-8")
        return conn.respond_json(503, b'{"detail":"The predictor could not be loaded, so it has no schema; see /health-check"}')

    # --------------------------------------------------------- predictions
    def _predict(self, req, conn, url_id, train):
        headers = req.headers
        wants_sse = "text/event-stream" in headers.get("accept", "")
        if wants_sse and (train or not (self.info and self.info.get("streaming"))):
            return conn.respond_json(406, dumps({"detail": "Streaming (Accept: text/event-stream) needs a @streaming predictor; trainings never stream" if not train else "Trainings do not support streaming (Accept: text/event-stream)"}))
        body, errors = parse_body(req.body, headers.get("content-type"), url_id is not None)
        if errors:
            return conn.respond_json(422, dumps({"detail": errors}))
        request, errors = check_request(body, url_id)
        if errors:
            return conn.respond_json(422, dumps({"detail": errors}))
        if request is None:
            what = "training" if train else "prediction"
            return conn.respond_json(422, dumps({"detail": [{"loc": ["body", "id"], "msg": what + " ID must match the ID supplied in the URL", "type": "value_error"}]}))
        runner = self.runner
        if url_id is not None and runner is not None:
            existing = runner.find(url_id)
            if existing is not None and not existing.done:
                if wants_sse:
                    return sse.attach(existing, conn)
                return conn.respond_json(202, dumps(existing.response()))
        if self.state != "READY" or runner is None or self.draining:
            if self.state in ("STARTING", "READY"):
                return conn.respond_json(409, BUSY)
            return conn.respond_json(503, dumps({"detail": "The model cannot run predictions: its state is %s (see /health-check)" % self.state}))
        respond_async = headers.get("prefer") == "respond-async"
        upload = None
        if respond_async and self.opts.get("upload_url"):
            upload = {"mode": "signed", "url": self.opts["upload_url"], "id": request["id"]}
        elif not respond_async and request.get("output_file_prefix"):
            upload = {"mode": "prefix", "url": request["output_file_prefix"]}
        if wants_sse:
            listener = sse.SSEListener(conn)
        else:
            listener = AsyncAnswer(conn) if respond_async else SyncAnswer(conn)
        streaming = bool(self.info.get("streaming"))
        pred = runner.start(request, respond_async or wants_sse, upload, listener, early=streaming)
        if pred is None:
            return conn.respond_json(409, BUSY)
        if wants_sse or streaming:
            sse.track(pred, cancel_on_drop=wants_sse)
        return None

    def _cancel(self, conn, pid):
        if self.runner is not None and self.runner.cancel(pid):
            return conn.respond_json(200, b"{}")
        return conn.respond_json(404, b"{}")


class SyncAnswer:
    __slots__ = ("conn",)

    def __init__(self, conn):
        self.conn = conn

    def on_invalid(self, pred, errors):
        self.conn.respond_json(422, dumps({"detail": errors}))

    def on_done(self, pred):
        if pred.output_error is not None:
            return self.conn.respond_json(500, dumps({"detail": pred.output_error}))
        self.conn.respond_json(200, dumps(pred.response()))


class AsyncAnswer:
    __slots__ = ("conn",)

    def __init__(self, conn):
        self.conn = conn

    def on_invalid(self, pred, errors):
        self.conn.respond_json(422, dumps({"detail": errors}))

    def on_accepted(self, pred):
        self.conn.respond_json(202, dumps(pred.response()))


def sys_stderr(text):
    import sys

    try:
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:
        pass


DOCS_PAGE = (
    b"<!doctype html><meta charset=utf-8><title>Cog model</title>"
    b"<h1>Cog prediction server</h1><p>The OpenAPI schema is at <a href=/openapi.json>/openapi.json</a>; "
    b"health at <a href=/health-check>/health-check</a>. POST /predictions to run the model.</p>"
)

__all__ = ["App", "dumps"]
