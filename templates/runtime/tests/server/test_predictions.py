"""Logs, cancel, webhooks, iterators, file outputs and uploads, metrics."""

import threading
import time

from .helpers import COG_YAML, Listener, ServerTest

PREDICT = '''
import os
import sys
import tempfile
import time
from typing import Iterator

from cog import BasePredictor, Input, Path, current_scope


class Predictor(BasePredictor):
    def predict(self, mode: str = Input(default="echo"), n: int = 2, pause: float = 0.0,
                text: str = "hi") -> Iterator[str]:
        if mode == "logs":
            print("py stdout")
            print("py stderr", file=sys.stderr)
            os.write(1, b"fd one\\n")
            os.system("echo from a subprocess")
            sys.stdout.write("partial")
        if mode == "sleep":
            print("sleeping")
            time.sleep(pause)
        if mode == "metric":
            current_scope().record_metric("tokens", 3)
        for i in range(n):
            if pause and mode == "iter":
                time.sleep(pause)
            yield "%s%d" % (text, i)
'''

FILEOUT = '''
import os
import tempfile

from cog import BasePredictor, Path


class Predictor(BasePredictor):
    def predict(self, text: str = "hello") -> Path:
        folder = tempfile.mkdtemp()
        path = os.path.join(folder, "out.txt")
        with open(path, "w") as fh:
            fh.write(text)
        return Path(path)
'''


class PredictionsTest(ServerTest):
    FILES = {"cog.yaml": COG_YAML, "predict.py": PREDICT}
    ENV = {"COG_THROTTLE_RESPONSE_INTERVAL": "0.2", "WEBHOOK_AUTH_TOKEN": "t0k"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.listener = Listener()

    @classmethod
    def tearDownClass(cls):
        cls.listener.close()
        super().tearDownClass()

    def test_logs_are_captured_at_fd_level(self):
        r = self.post("/predictions", {"input": {"mode": "logs", "n": 1}})
        self.assertEqual(r.status, 200)
        lines = sorted(r.json["logs"].splitlines())
        self.assertEqual(lines, sorted(["py stdout", "py stderr", "fd one", "from a subprocess", "partial"]))
        self.assertEqual(r.json["output"], ["hi0"])
        r = self.post("/predictions", {"input": {"n": 0}})
        self.assertEqual((r.json["logs"], r.json["output"]), ("", []))

    def test_sse_needs_streaming_decorator(self):
        r = self.post("/predictions", {"input": {}}, headers={"Accept": "text/event-stream"})
        self.assertEqual(r.status, 406)

    def test_metrics(self):
        r = self.post("/predictions", {"input": {"mode": "metric", "n": 1}})
        self.assertEqual(r.json["metrics"]["tokens"], 3)
        self.assertIn("predict_time", r.json["metrics"])

    def test_cancel_blocking_put(self):
        holder = {}
        t = threading.Thread(target=lambda: holder.setdefault("r", self.put(
            "/predictions/c1", {"input": {"mode": "sleep", "pause": 10}})))
        t.start()
        self.server.wait_status(("BUSY",), 10)
        r = self.put("/predictions/c1", {"input": {"mode": "sleep", "pause": 10}})
        self.assertEqual((r.status, r.json["status"], r.json["id"]), (202, "processing", "c1"))
        self.assertEqual(self.post("/predictions", {"input": {}}).status, 409)
        self.assertEqual(self.post("/predictions/c1/cancel").status, 200)
        t.join(10)
        self.assertEqual((holder["r"].status, holder["r"].json["status"]), (200, "canceled"))
        self.assertIn("sleeping", holder["r"].json["logs"])
        self.assertIsNone(holder["r"].json["metrics"])
        self.assertEqual(self.post("/predictions/c1/cancel").status, 404)
        self.server.wait_status(("READY",), 5)

    def test_async_with_webhook_filter_and_cancel(self):
        hook = self.listener.url("/hook/a1")
        r = self.put("/predictions/a1", {"input": {"mode": "iter", "n": 3, "pause": 0.3}, "webhook": hook},
                     headers={"Prefer": "respond-async"})
        self.assertEqual((r.status, r.json["status"]), (202, "processing"))
        evs = self.listener.events("a1")
        self.assertEqual(evs[0]["status"], "processing")
        self.assertEqual(evs[-1]["status"], "succeeded")
        self.assertEqual(evs[-1]["output"], ["hi0", "hi1", "hi2"])
        self.assertEqual([e["status"] for e in evs].count("succeeded"), 1)
        self.assertNotIn("version", evs[-1])
        self.assertNotIn("error", evs[-1])
        # completed only
        hook = self.listener.url("/hook/a2")
        self.put("/predictions/a2", {"input": {"n": 2}, "webhook": hook, "webhook_events_filter": ["completed"]},
                 headers={"Prefer": "respond-async"})
        evs = self.listener.events("a2")
        self.assertEqual(len(evs), 1)
        # output events are never throttled (Cog 0.17+): every item arrives at once
        hook = self.listener.url("/hook/a4")
        self.put("/predictions/a4", {"input": {"n": 3}, "webhook": hook, "webhook_events_filter": ["output", "completed"]},
                 headers={"Prefer": "respond-async"})
        evs = self.listener.events("a4")
        self.assertEqual([e["output"] for e in evs], [["hi0"], ["hi0", "hi1"], ["hi0", "hi1", "hi2"], ["hi0", "hi1", "hi2"]])
        self.server.wait_status(("READY",), 5)
        self.server.wait_status(("READY",), 5)
        # async cancel
        hook = self.listener.url("/hook/a3")
        self.put("/predictions/a3", {"input": {"mode": "sleep", "pause": 10}, "webhook": hook},
                 headers={"Prefer": "respond-async"})
        time.sleep(0.2)
        self.assertEqual(self.post("/predictions/a3/cancel").status, 200)
        evs = self.listener.events("a3")
        self.assertEqual(evs[-1]["status"], "canceled")
        self.server.wait_status(("READY",), 5)

    def test_sync_prediction_sends_webhooks_too(self):
        hook = self.listener.url("/hook/s1")
        r = self.post("/predictions", {"input": {"n": 1}, "webhook": hook})
        self.assertEqual(r.status, 200)
        evs = self.listener.events("s1")
        self.assertEqual(evs[-1]["output"], ["hi0"])
        headers = self.listener.headers("s1")[-1]
        self.assertEqual(headers["authorization"], "Bearer t0k")
        self.assertTrue(headers["user-agent"].startswith("cog-worker/"))
        self.assertEqual(headers["content-type"], "application/json")


class FileOutputTest(ServerTest):
    FILES = {"cog.yaml": COG_YAML, "predict.py": FILEOUT}

    @classmethod
    def setUpClass(cls):
        cls.listener = Listener()
        cls.ARGS = ("--upload-url", cls.listener.url("/upload/"))
        super().setUpClass()

    @classmethod
    def tearDownClass(cls):
        super().tearDownClass()
        cls.listener.close()

    def test_data_uri_when_blocking(self):
        r = self.post("/predictions", {"input": {"text": "abc"}})
        self.assertEqual(r.json["output"], "data:text/plain;base64,YWJj")

    def test_upload_when_async(self):
        hook = self.listener.url("/hook/f1")
        r = self.put("/predictions/f1", {"input": {"text": "up"}, "webhook": hook}, headers={"Prefer": "respond-async"})
        self.assertEqual(r.status, 202)
        evs = self.listener.events("f1")
        self.assertEqual(evs[-1]["output"], self.listener.url("/stored/upload/out.txt"))
        up = [u for u in self.listener.uploads if u["path"] == "/upload/out.txt"][-1]
        self.assertEqual(up["body"], b"up")
        self.assertEqual(up["headers"]["x-prediction-id"], "f1")
        self.assertEqual(up["headers"]["content-type"], "text/plain")

    def test_output_file_prefix(self):
        prefix = self.listener.url("/prefix/")
        r = self.post("/predictions", {"input": {"text": "pre"}, "output_file_prefix": prefix})
        self.assertEqual(r.json["output"], prefix + "out.txt")
        up = [u for u in self.listener.uploads if u["path"] == "/prefix/out.txt"][-1]
        self.assertTrue(up["headers"]["content-type"].startswith("multipart/form-data"))
        self.assertIn(b"pre", up["body"])
