"""Setup states, crashes in user code, SIGTERM and /shutdown."""

import os
import signal
import subprocess
import threading
import time
import unittest

from .helpers import COG_YAML, Server

CRASHY = '''
import ctypes
import os
import sys
import time

from cog import BasePredictor, Input


class Predictor(BasePredictor):
    def setup(self) -> None:
        print("setup says hi")

    def predict(self, mode: str = Input(default="ok"), seconds: float = 0.0) -> str:
        print("mode", mode)
        if mode == "exit":
            sys.exit(3)
        if mode == "sleep":
            time.sleep(seconds)
        if mode == "os_exit":
            os._exit(7)
        if mode == "segfault":
            ctypes.string_at(0)
        return "fine " + mode
'''


class CrashTest(unittest.TestCase):
    def test_sys_exit_is_a_failed_prediction_and_os_exit_is_defunct(self):
        srv = Server({"cog.yaml": COG_YAML, "predict.py": CRASHY}, args=("--await-explicit-shutdown", "true"))
        try:
            self.assertEqual(srv.health()["setup"]["logs"], "setup says hi\n")
            r = srv.request("POST", "/predictions", {"input": {"mode": "exit"}})
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json["status"], "failed")
            self.assertIn("sys.exit(3)", r.json["error"])
            self.assertIn("SystemExit", r.json["logs"])
            self.assertEqual(srv.health()["status"], "READY")
            r = srv.request("POST", "/predictions", {"input": {"mode": "os_exit"}})
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json["status"], "failed")
            self.assertIn("exitcode 7", r.json["error"])
            self.assertIn("mode os_exit", r.json["logs"])
            self.assertEqual(srv.health()["status"], "DEFUNCT")
            r = srv.request("POST", "/predictions", {"input": {}})
            self.assertEqual(r.status, 503)
            self.assertEqual(srv.request("GET", "/").status, 200)  # the HTTP server itself is fine
            os.kill(srv.proc.pid, signal.SIGTERM)  # ignored with --await-explicit-shutdown, as in Cog
            time.sleep(0.3)
            self.assertIsNone(srv.proc.poll())
            self.assertEqual(srv.health()["status"], "DEFUNCT")
        finally:
            srv.stop()

    def test_segfault_is_defunct_then_exit_without_await_flag(self):
        srv = Server({"cog.yaml": COG_YAML, "predict.py": CRASHY}, env={"COG_FATAL_EXIT_GRACE": "0.5"})
        try:
            r = srv.request("POST", "/predictions", {"input": {"mode": "segfault"}})
            self.assertEqual((r.status, r.json["status"]), (200, "failed"))
            self.assertIn("exitcode -11", r.json["error"])
            self.assertEqual(srv.health()["status"], "DEFUNCT")
            srv.proc.wait(10)  # Cog exits after a fatal error unless --await-explicit-shutdown
            self.assertEqual(srv.proc.returncode, 1)
        finally:
            srv.stop()

    def test_sigterm_drains_running_prediction(self):
        srv = Server({"cog.yaml": COG_YAML, "predict.py": CRASHY})
        try:
            holder = {}
            t = threading.Thread(target=lambda: holder.setdefault("r", srv.request(
                "POST", "/predictions", {"input": {"mode": "sleep", "seconds": 1.0}})))
            t.start()
            srv.wait_status(("BUSY",), 10)
            os.kill(srv.proc.pid, signal.SIGTERM)
            time.sleep(0.2)
            r = srv.request("POST", "/predictions", {"input": {}})
            self.assertEqual(r.status, 409)  # no new work while draining
            t.join(15)
            self.assertEqual(holder["r"].status, 200)
            self.assertEqual(holder["r"].json["output"], "fine sleep")
            self.assertEqual(srv.proc.wait(10), 0)
        finally:
            srv.stop()


    def test_worker_does_not_outlive_a_killed_server(self):
        srv = Server({"cog.yaml": COG_YAML, "predict.py": CRASHY})
        try:
            children = subprocess.run(["pgrep", "-P", str(srv.proc.pid)], capture_output=True, text=True).stdout.split()
            self.assertEqual(len(children), 1)
            worker = int(children[0])
            holder = {}
            t = threading.Thread(target=lambda: holder.setdefault("r", _try(srv.request, "POST", "/predictions",
                                                                            {"input": {"mode": "sleep", "seconds": 20}})))
            t.start()
            srv.wait_status(("BUSY",), 10)
            os.kill(srv.proc.pid, signal.SIGKILL)
            srv.proc.wait(5)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and _alive(worker):
                time.sleep(0.05)
            self.assertFalse(_alive(worker))
            t.join(5)
        finally:
            srv.stop()


def _try(fn, *args):
    try:
        return fn(*args)
    except OSError as exc:
        return exc


def _alive(pid):
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().split(")")[1].split()[0] != "Z"
    except OSError:
        return False


class ExecWorkerTest(unittest.TestCase):
    def test_worker_as_a_fresh_interpreter(self):
        # COG_WORKER_EXEC=1: what non-Linux hosts always do (no fork without exec)
        srv = Server({"cog.yaml": COG_YAML, "predict.py": CRASHY}, env={"COG_WORKER_EXEC": "1"})
        try:
            self.assertEqual(srv.health()["setup"]["logs"], "setup says hi\n")
            r = srv.request("POST", "/predictions", {"input": {"mode": "x"}})
            self.assertEqual((r.json["output"], r.json["logs"]), ("fine x", "mode x\n"))
        finally:
            srv.stop()


class SetupTest(unittest.TestCase):
    def test_setup_failure(self):
        files = {"cog.yaml": COG_YAML, "predict.py": '''
            from cog import BasePredictor
            class Predictor(BasePredictor):
                def setup(self):
                    print("loading")
                    raise RuntimeError("weights are corrupt")
                def predict(self) -> str:
                    return "x"
        '''}
        srv = Server(files, args=("--await-explicit-shutdown", "true"), wait_for=("SETUP_FAILED",))
        try:
            h = srv.health()
            self.assertEqual(h["setup"]["status"], "failed")
            logs = h["setup"]["logs"]
            self.assertTrue(logs.startswith("loading\n"), logs)
            self.assertIn("RuntimeError: weights are corrupt", logs)
            self.assertIn("FatalWorkerException: Predictor errored during setup: weights are corrupt", logs)
            self.assertGreaterEqual(srv.request("POST", "/predictions", {"input": {}}).status, 400)
        finally:
            srv.stop()

    def test_setup_failure_exits_without_await_flag(self):
        files = {"cog.yaml": COG_YAML, "predict.py": "import not_a_module_anywhere_xyz\n"}
        srv = Server(files, env={"COG_FATAL_EXIT_GRACE": "0.3"}, wait_for=("SETUP_FAILED",))
        try:
            self.assertIn("No module named 'not_a_module_anywhere_xyz'", srv.health()["setup"]["logs"])
            self.assertEqual(srv.proc.wait(10), 1)
        finally:
            srv.stop()

    def test_bad_signature_limits_routes(self):
        files = {"cog.yaml": COG_YAML, "predict.py": '''
            from cog import BasePredictor
            class Predictor(BasePredictor):
                def predict(self, options: dict) -> str:
                    return "x"
        '''}
        srv = Server(files, args=("--await-explicit-shutdown", "true"), wait_for=("SETUP_FAILED",))
        try:
            self.assertTrue(srv.health()["setup"]["logs"].startswith("Error while loading predictor:"))
            self.assertEqual(srv.request("GET", "/").status, 404)
            self.assertEqual(srv.request("POST", "/predictions", {"input": {}}).status, 404)
        finally:
            srv.stop()

    def test_slow_setup_starting_409_and_timeout(self):
        files = {"cog.yaml": COG_YAML, "predict.py": '''
            import time
            from cog import BasePredictor
            class Predictor(BasePredictor):
                def setup(self):
                    print("warming")
                    time.sleep(30)
                def predict(self) -> str:
                    return "x"
        '''}
        srv = Server(files, args=("--await-explicit-shutdown", "true"), env={"COG_SETUP_TIMEOUT": "1.5"},
                     wait_for=("STARTING",))
        try:
            self.assertEqual(srv.health(), {"status": "STARTING", "setup": {}})
            r = srv.request("POST", "/predictions", {"input": {}})
            self.assertEqual((r.status, r.json), (409, {"detail": "Already running a prediction"}))
            self.assertEqual(srv.request("GET", "/openapi.json").status, 200)
            h = srv.wait_status(("SETUP_FAILED",), 15)
            self.assertIn("warming\n", h["setup"]["logs"])
            self.assertIn("COG_SETUP_TIMEOUT", h["setup"]["logs"])
        finally:
            srv.stop()

    def test_shutdown_endpoint(self):
        files = {"cog.yaml": 'predict: "predict.py:predict"\n', "predict.py": "def predict(x: int = 1) -> int:\n    return x\n"}
        srv = Server(files)
        try:
            self.assertEqual(srv.request("POST", "/predictions", {"input": {"x": 4}}).json["output"], 4)
            r = srv.request("POST", "/shutdown")
            self.assertEqual((r.status, r.json), (200, {}))
            self.assertEqual(srv.proc.wait(10), 0)
        finally:
            srv.stop()
