"""Server-sent events on a @streaming predictor (Cog 0.19+ protocol)."""

import http.client
import json
import time

from .helpers import COG_YAML, ServerTest

STREAMING = '''
import time
from typing import Iterator

from cog import BasePredictor, current_scope, streaming


class Predictor(BasePredictor):
    @streaming
    def predict(self, n: int = 3, pause: float = 0.0) -> Iterator[str]:
        print("starting")
        current_scope().record_metric("n", n)
        for i in range(n):
            if pause:
                time.sleep(pause)
            yield "tok%d" % i
'''


class SSEStream:
    def __init__(self, port, method, path, body):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
        self.conn.request(method, path, body=json.dumps(body),
                          headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
        self.resp = self.conn.getresponse()

    def events(self, limit=None):
        out = []
        event = None
        while limit is None or len(out) < limit:
            line = self.resp.fp.readline()
            if not line:
                break
            line = line.decode("utf-8").rstrip("\n")
            if line.startswith("event: "):
                event = line[7:]
            elif line.startswith("data: "):
                out.append((event, json.loads(line[6:])))
        return out

    def close(self):
        self.resp.close()  # the response holds the socket's file: close both
        self.conn.close()


class StreamingTest(ServerTest):
    FILES = {"cog.yaml": COG_YAML, "predict.py": STREAMING}
    ENV = {"COG_STREAM_HISTORY_CAPACITY": "4"}

    def stream(self, method, path, body):
        return SSEStream(self.server.port, method, path, body)

    def test_event_sequence(self):
        s = self.stream("POST", "/predictions", {"input": {"n": 3}})
        self.assertEqual(s.resp.status, 200)
        self.assertTrue(s.resp.getheader("content-type").startswith("text/event-stream"))
        evs = s.events()
        s.close()
        names = [e for e, _ in evs]
        self.assertEqual(names[0], "start")
        self.assertEqual(names[-1], "completed")
        self.assertEqual(names.count("completed"), 1)
        outputs = [d for e, d in evs if e == "output"]
        self.assertEqual(outputs, [{"chunk": "tok0", "index": 0}, {"chunk": "tok1", "index": 1}, {"chunk": "tok2", "index": 2}])
        self.assertIn(("log", {"source": "stdout", "data": "starting\n"}), evs)
        self.assertIn(("metric", {"name": "n", "value": 3, "mode": "replace"}), evs)
        final = evs[-1][1]
        self.assertEqual((final["status"], final["output"]), ("succeeded", ["tok0", "tok1", "tok2"]))

    def test_invalid_input_is_422_not_a_stream(self):
        s = self.stream("POST", "/predictions", {"input": {"n": "many"}})
        self.assertEqual(s.resp.status, 422)
        s.close()

    def test_reattach_replays_then_follows(self):
        first = self.stream("PUT", "/predictions/r1", {"input": {"n": 6, "pause": 0.3}})
        head = first.events(limit=2)  # start, log (metric follows)
        self.assertEqual(head[0][0], "start")
        second = self.stream("PUT", "/predictions/r1", {"input": {"n": 6, "pause": 0.3}})
        replay = second.events()
        rest = first.events()
        first.close()
        second.close()
        self.assertEqual(replay[0][0], "start")
        self.assertEqual(replay[-1][0], "completed")
        self.assertEqual([d["chunk"] for e, d in replay if e == "output"], ["tok%d" % i for i in range(6)])
        self.assertEqual(rest[-1][0], "completed")
        self.server.wait_status(("READY",), 5)

    def test_reattach_after_history_overflow_is_an_error(self):
        first = self.stream("PUT", "/predictions/r2", {"input": {"n": 8, "pause": 0.15}})
        first.events(limit=7)  # more than the 4 kept events
        second = self.stream("PUT", "/predictions/r2", {"input": {"n": 8}})
        evs = second.events()
        second.close()
        self.assertEqual(len(evs), 1)
        self.assertEqual(evs[0][0], "error")
        self.assertGreater(evs[0][1]["skipped"], 0)
        self.assertEqual(first.events()[-1][0], "completed")
        first.close()

    def test_disconnect_cancels_and_server_stays_healthy(self):
        s = self.stream("PUT", "/predictions/d1", {"input": {"n": 50, "pause": 0.2}})
        s.events(limit=1)
        s.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and self.server.health()["status"] != "READY":
            time.sleep(0.05)
        self.assertEqual(self.server.health()["status"], "READY")
        self.assertEqual(self.post("/predictions/d1/cancel").status, 404)  # finished (canceled)
        r = self.post("/predictions", {"input": {"n": 1}})
        self.assertEqual(r.json["output"], ["tok0"])

    def test_json_clients_still_work(self):
        r = self.post("/predictions", {"input": {"n": 2}})
        self.assertEqual(r.json["output"], ["tok0", "tok1"])
