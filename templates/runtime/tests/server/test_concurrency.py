"""Async predictors with concurrency.max, and a user healthcheck()."""

import threading
import time

from .helpers import COG_YAML, ServerTest

ASYNC = '''
import asyncio

from cog import BasePredictor


class Predictor(BasePredictor):
    async def setup(self) -> None:
        self.ready = True
        self.loop = asyncio.get_running_loop()

    async def healthcheck(self) -> bool:
        # runs on the predictor's own event loop, like its predictions
        return asyncio.get_running_loop() is self.loop

    async def predict(self, label: str = "a", delay: float = 0.0) -> str:
        print("begin", label)
        await asyncio.sleep(delay)
        print("end", label)
        return "done " + label
'''

HEALTH = '''
from cog import BasePredictor


class Predictor(BasePredictor):
    def setup(self) -> None:
        self.mode = "ok"

    def healthcheck(self) -> bool:
        if self.mode == "raise":
            raise RuntimeError("gpu fell off the bus")
        if self.mode == "hang":
            import time
            time.sleep(30)
        return self.mode == "ok"

    def predict(self, mode: str = "ok") -> str:
        self.mode = mode
        return mode
'''


class ConcurrencyTest(ServerTest):
    FILES = {"cog.yaml": COG_YAML + "concurrency:\n  max: 2\n", "predict.py": ASYNC}

    def test_two_run_together_third_is_409(self):
        results = {}

        def go(label):
            results[label] = self.post("/predictions", {"input": {"label": label, "delay": 1.0}})

        threads = [threading.Thread(target=go, args=(x,)) for x in ("a", "b")]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        self.server.wait_status(("BUSY",), 5)
        r = self.post("/predictions", {"input": {"label": "c"}})
        self.assertEqual((r.status, r.json), (409, {"detail": "Already running a prediction"}))
        for t in threads:
            t.join(10)
        self.assertLess(time.monotonic() - t0, 1.9)
        for label in ("a", "b"):
            self.assertEqual(results[label].json["output"], "done " + label)
            self.assertEqual(results[label].json["logs"], "begin %s\nend %s\n" % (label, label))

    def test_async_healthcheck_on_the_predictors_loop(self):
        self.assertEqual(self.server.health()["status"], "READY")

    def test_cancel_one_of_two(self):
        for pid in ("x1", "x2"):
            r = self.put("/predictions/" + pid, {"input": {"label": pid, "delay": 5}}, headers={"Prefer": "respond-async"})
            self.assertEqual(r.status, 202)
        self.assertEqual(self.post("/predictions/x2/cancel").status, 200)
        self.assertEqual(self.post("/predictions/x1/cancel").status, 200)
        self.server.wait_status(("READY",), 5)

    def test_four_clients_no_errors(self):
        codes = []

        def client():
            for _ in range(20):
                codes.append(self.post("/predictions", {"input": {"label": "z"}}).status)

        threads = [threading.Thread(target=client) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        self.assertEqual(set(codes), {200})


class UserHealthcheckTest(ServerTest):
    FILES = {"cog.yaml": COG_YAML, "predict.py": HEALTH}

    def test_states(self):
        self.assertEqual(self.server.health()["status"], "READY")
        self.post("/predictions", {"input": {"mode": "false"}})
        h = self.server.health()
        self.assertEqual(h["status"], "UNHEALTHY")
        self.assertEqual(h["user_healthcheck_error"], "Healthcheck failed: user-defined healthcheck returned False")
        self.post("/predictions", {"input": {"mode": "raise"}})
        self.assertEqual(self.server.health()["user_healthcheck_error"], "Healthcheck failed: gpu fell off the bus")
        self.post("/predictions", {"input": {"mode": "ok"}})
        self.assertEqual(self.server.health(), {"status": "READY", "setup": self.server.health()["setup"]})
