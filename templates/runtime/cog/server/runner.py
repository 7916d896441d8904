"""Prediction state in the HTTP process: slots, ids, events from the worker.

A prediction reserves a slot when it is sent to the worker; the worker first
answers `invalid` (422, slot released) or `accepted` (validated input), then
streams log/output events and one `done`. Listeners (the blocking HTTP
response, SSE streams) subscribe to a Prediction; webhooks hang off it too.
"""

import time
from datetime import datetime, timezone

from .exceptions import FatalWorkerException
from .webhook import WebhookSender

KEYS = ("input", "output", "id", "version", "created_at", "started_at", "completed_at", "logs", "error", "status", "metrics")


def now_iso():
    return datetime.now(timezone.utc).isoformat()


class Prediction:
    def __init__(self, tag, request, respond_async, upload, version):
        self.tag = tag
        self.id = request.get("id")
        self.created_at = request.get("created_at")
        self.respond_async = respond_async
        self.request = request
        self.upload = upload
        self.input = None
        self.output = None
        self.multi = False
        self.logs = ""
        self.error = None
        self.status = "processing"
        self.metrics = None
        self.t0 = time.time()
        self.started_at = now_iso()
        self.completed_at = None
        self.output_error = None
        self.accepted = False
        self.listeners = []  # objects with on_accepted/on_invalid/on_event/on_done
        self.webhook = None
        self.canceller = None
        self.sse = None
        if request.get("webhook"):
            self.webhook = WebhookSender(request["webhook"], request.get("webhook_events_filter"), version)

    @property
    def done(self):
        return self.status in ("succeeded", "failed", "canceled")

    def response(self):
        return {
            "input": self.input if self.input is not None else {},
            "output": self.output,
            "id": self.id,
            "version": None,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "completed_at": self.completed_at,
            "logs": self.logs,
            "error": self.error,
            "status": self.status,
            "metrics": self.metrics,
        }

    def webhook_doc(self):
        """Only the fields that have been set, like Cog's exclude_unset payloads."""
        doc = {
            "input": self.input if self.input is not None else {},
            "output": self.output,
            "id": self.id,
            "created_at": self.created_at,
            "started_at": self.started_at,
            "logs": self.logs,
            "status": self.status,
        }
        if self.completed_at is not None:
            doc["completed_at"] = self.completed_at
        if self.error is not None:
            doc["error"] = self.error
        if self.metrics is not None:
            doc["metrics"] = self.metrics
        return doc

    def _hook(self, kind, terminal=False):
        if self.webhook is not None:
            self.webhook.event(kind, self.webhook_doc, terminal)

    def _notify(self, method, *args):
        for listener in list(self.listeners):
            fn = getattr(listener, method, None)
            if fn is not None:
                try:
                    fn(self, *args)
                except Exception:
                    import traceback

                    traceback.print_exc()

    # ------------------------------------------------------- worker events
    def on_accepted(self, public_input):
        self.input = public_input
        self.accepted = True
        if self.webhook is not None and not self.webhook.skip_start:
            self._hook("start")
        self._notify("on_accepted")

    def on_log(self, text, source):
        self.logs += text
        self._hook("logs")
        self._notify("on_event", "log", {"source": source, "data": text})

    def on_output_type(self):
        self.multi = True
        self.output = []

    def on_output(self, value):
        if self.multi:
            self.output.append(value)
            self._hook("output")
            self._notify("on_event", "output", value)
        else:
            self.output = value

    def finish(self, status, error=None, output=None, metrics=None, has_output=False):
        if has_output and not self.multi:
            self.output = output
        self.status = status
        self.error = error
        self.completed_at = now_iso()
        merged = dict(metrics) if metrics else {}
        if status == "succeeded":
            merged["predict_time"] = time.time() - self.t0
        self.metrics = merged or None
        self._hook("completed", terminal=True)
        self._notify("on_done")


class Runner:
    def __init__(self, worker, slots, is_async, version):
        self.worker = worker
        self.slots = slots
        self.is_async = is_async
        self.version = version
        self.active = {}  # tag -> Prediction (reserved or running)
        self.by_id = {}  # client id -> Prediction (running)
        self.counter = 0

    def busy(self):
        return len(self.active) >= self.slots

    def find(self, pid):
        return self.by_id.get(pid)

    def start(self, request, respond_async, upload, listener, early=False):
        """Send one prediction to the worker; None when it cannot take it (409)."""
        if self.busy():
            return None
        pid = request.get("id")
        if pid is not None and pid in self.by_id:
            return None
        tag = pid
        while tag is None or tag in self.active:
            self.counter += 1
            tag = "\x00%d" % self.counter  # internal: cannot collide with a client id sent as JSON text
        pred = Prediction(tag, request, respond_async, upload, self.version)
        pred.listeners.append(listener)
        pred.canceller = lambda: self.worker.cancel(tag, self.is_async)
        self.active[tag] = pred
        if pid is not None:
            self.by_id[pid] = pred
        msg = {"t": "predict", "tag": tag, "input": request.get("input")}
        if not (respond_async or pred.webhook is not None or early):
            msg["early"] = False
        if request.get("context") or pid is not None:
            context = dict(request.get("context") or {})
            if pid is not None:
                context["id"] = pid  # as Cog does: current_scope().context["id"]
            msg["context"] = context
        if upload:
            msg["upload"] = upload
        if not self.worker.send(msg):
            self._release(pred)
            return None
        return pred

    def _release(self, pred):
        self.active.pop(pred.tag, None)
        if pred.id is not None and self.by_id.get(pred.id) is pred:
            del self.by_id[pred.id]

    def cancel(self, pid):
        pred = self.by_id.get(pid)
        if pred is None or pred.done:
            return False
        self.worker.cancel(pred.tag, self.is_async)
        return True

    def on_event(self, msg):
        pred = self.active.get(msg.get("tag"))
        if pred is None:
            return
        kind = msg["t"]
        if kind == "log":
            pred.on_log(msg.get("d", ""), msg.get("s", "stdout"))
        elif kind == "output":
            pred.on_output(msg.get("v"))
        elif kind == "metric":
            pred._notify("on_event", "metric", {"name": msg.get("name"), "value": msg.get("value"), "mode": msg.get("mode", "replace")})
        elif kind == "output_type":
            pred.on_output_type()
        elif kind == "accepted":
            pred.on_accepted(msg.get("input"))
        elif kind == "invalid":
            self._release(pred)
            pred.status = "invalid"
            pred._notify("on_invalid", msg.get("errors") or [])
        elif kind == "done":
            self._release(pred)
            if "input" in msg:
                pred.on_accepted(msg["input"])
            pred.output_error = msg.get("output_error")
            pred.finish(msg.get("status", "failed"), msg.get("error"), msg.get("output"), msg.get("metrics"), "output" in msg)

    def worker_died(self, code, leftover=None):
        """Every prediction in flight fails the way Cog reports it."""
        message = "Prediction failed for an unknown reason. It might have run out of memory? (exitcode %s)" % code
        tail = "".join(t if t.endswith("\n") else t + "\n" for t in (leftover or {}).values())
        for pred in list(self.active.values()):
            self._release(pred)
            if not pred.accepted:
                pred.input = pred.request.get("input") if isinstance(pred.request.get("input"), dict) else {}
            if len(self.active) == 0 and tail:  # the last one (or only one) gets the unforwarded output
                pred.logs += tail
            pred.logs += format_exception(FatalWorkerException(message))
            pred.finish("failed", message)


def format_exception(exc):
    """A traceback text for an exception raised here (kept for log parity with Cog)."""
    import traceback

    try:
        raise exc
    except Exception:
        return traceback.format_exc()
