"""Server-sent event streams of a prediction (Cog 0.19+, `@streaming` predictors).

Events: `start` {id, status}, `output` {chunk, index}, `log` {source, data},
`metric` {name, value, mode}, and one `completed` (the final prediction). Each
tracked prediction keeps the last COG_STREAM_HISTORY_CAPACITY events (default
1024, 0 = no replay) so `PUT /predictions/{id}` with `Accept:
text/event-stream` can re-attach: the history is replayed, then live events
follow; if events were already dropped, an `error` event is sent and the
stream closes. As in coglet, when the last stream of a prediction created over
SSE goes away before it finished, the prediction is cancelled.
Events are written to the socket as soon as the worker reports them.
"""

import collections
import json
import os

_enc = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def history_capacity():
    try:
        return max(0, int(os.environ.get("COG_STREAM_HISTORY_CAPACITY", "1024")))
    except ValueError:
        return 1024


def frame(event, data):
    return ("event: %s\ndata: %s\n\n" % (event, _enc(data))).encode("utf-8")


class Recorder:
    """Kept on a prediction: its replay buffer and its live SSE listeners."""

    def __init__(self, pred, capacity):
        self.pred = pred
        self.capacity = capacity
        self.history = collections.deque(maxlen=capacity or None) if capacity else None
        self.dropped = 0
        self.total = 0
        self.streams = []
        self.cancel_on_drop = False
        self.index = 0

    def record(self, data):
        self.total += 1
        if self.history is not None:
            if len(self.history) == self.capacity:
                self.dropped += 1
            self.history.append(data)
        for stream in list(self.streams):
            stream.write(data)

    # listener interface (Prediction._notify)
    def on_accepted(self, pred):
        self.record(frame("start", {"id": pred.id, "status": "processing"}))

    def on_event(self, pred, kind, data):
        if kind == "output":
            self.record(frame("output", {"chunk": data, "index": self.index}))
            self.index += 1
        elif kind == "log":
            self.record(frame("log", data))
        elif kind == "metric":
            self.record(frame("metric", data))

    def on_done(self, pred):
        self.record(frame("completed", pred.response()))
        for stream in list(self.streams):
            stream.end()


def track(pred, cancel_on_drop=False):
    rec = getattr(pred, "sse", None)
    if rec is None:
        rec = Recorder(pred, history_capacity())
        pred.sse = rec
        # first in line, so a listener added earlier sees the frames it records
        pred.listeners.insert(0, rec)
    rec.cancel_on_drop = rec.cancel_on_drop or cancel_on_drop
    return rec


class Stream:
    def __init__(self, rec, conn, on_gone):
        self.rec = rec
        self.conn = conn
        self.on_gone = on_gone
        self.open = True

    def write(self, data):
        if self.open:
            self.conn.stream_write(data)

    def end(self):
        if self.open:
            self.open = False
            self._detach()
            self.conn.stream_end()

    def _detach(self):
        if self in self.rec.streams:
            self.rec.streams.remove(self)

    def lost(self):
        if self.open:
            self.open = False
            self._detach()
            self.on_gone(self.rec)


def _gone(rec):
    pred = rec.pred
    if rec.cancel_on_drop and not rec.streams and not pred.done and pred.canceller is not None:
        pred.canceller()


def open_stream(rec, conn):
    stream = Stream(rec, conn, _gone)
    conn.stream_start(on_close=stream.lost)
    rec.streams.append(stream)
    return stream


class SSEListener:
    """Answers the request that created an SSE prediction: 422 if invalid, else the stream."""

    def __init__(self, conn):
        self.conn = conn

    def on_invalid(self, pred, errors):
        self.conn.respond_json(422, _enc({"detail": errors}).encode("utf-8"))

    def on_accepted(self, pred):
        rec = pred.sse
        stream = Stream(rec, self.conn, _gone)
        self.conn.stream_start(on_close=stream.lost)
        rec.streams.append(stream)
        if rec.history:
            for data in rec.history:
                stream.write(data)
        elif rec.total:
            stream.write(frame("start", {"id": pred.id, "status": "processing"}))


def attach(pred, conn):
    """Re-attach to a running prediction (PUT with the same id)."""
    rec = getattr(pred, "sse", None)
    if rec is None:
        rec = track(pred)
    if rec.dropped:
        conn.stream_start()
        conn.stream_write(frame("error", {"error": "SSE stream replay truncated; events were dropped", "skipped": rec.dropped}))
        conn.stream_end()
        return None
    stream = open_stream(rec, conn)
    for data in list(rec.history or ()):
        stream.write(data)
    if pred.done:
        stream.end()
    return None
