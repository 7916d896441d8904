"""python -m cog.command.openapi_schema, and the cost of `import cog`."""

import json
import os
import subprocess
import sys
import unittest

from ._util import FIXTURES, RUNTIME, golden


def _run(args, cwd):
    env = dict(os.environ, PYTHONPATH=RUNTIME, PYTHONDONTWRITEBYTECODE="1")
    return subprocess.run(
        [sys.executable, "-m", "cog.command.openapi_schema"] + args,
        cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False,
    )


class OpenAPICommandTest(unittest.TestCase):
    def test_prints_the_document(self):
        result = _run([], os.path.join(FIXTURES, "constraints"))
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout), golden("constraints")["openapi"]["body"])

    def test_train_and_title_next_to_ref_removed(self):
        result = _run(["--train"], os.path.join(FIXTURES, "train_basic"))
        self.assertEqual(result.returncode, 0, result.stderr)
        doc = json.loads(result.stdout)
        put = doc["paths"]["/trainings/{training_id}"]["put"]["requestBody"]["content"]["application/json"]["schema"]
        self.assertEqual(put, {"$ref": "#/components/schemas/TrainingRequest"})
        self.assertIn("TrainingInput", doc["components"]["schemas"])

    def test_user_prints_stay_off_stdout(self):
        result = _run([], os.path.join(FIXTURES, "logs_print"))
        self.assertEqual(result.returncode, 0, result.stderr)
        json.loads(result.stdout)

    def test_import_failure_exits_1_with_traceback(self):
        result = _run([], os.path.join(FIXTURES, "load_fails"))
        self.assertEqual(result.returncode, 1)
        self.assertEqual(result.stdout, "")
        self.assertIn("Traceback", result.stderr)
        self.assertIn("definitely_not_an_installed_module", result.stderr)

    def test_bad_signature_exits_1(self):
        result = _run([], os.path.join(FIXTURES, "bad_signature"))
        self.assertEqual(result.returncode, 1)
        self.assertIn("Unsupported input type dict", result.stderr)

    def test_predictor_flag(self):
        here = os.path.join(os.path.dirname(os.path.abspath(__file__)), "predictors")
        result = _run(["--predictor", "plain_function.py:predict", "--config", "/nonexistent.yaml"], here)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(json.loads(result.stdout)["components"]["schemas"]["Input"]["required"], ["word"])


class ImportCostTest(unittest.TestCase):
    def test_import_cog_is_cheap(self):
        code = (
            "import sys, time\n"
            "t = time.perf_counter()\n"
            "import cog\n"
            "elapsed = time.perf_counter() - t\n"
            "heavy = sorted(m for m in ('asyncio', 'json', 'inspect', 'typing', 'urllib.request') if m in sys.modules)\n"
            "print(elapsed, ','.join(heavy))\n"
        )
        env = dict(os.environ, PYTHONPATH=RUNTIME)
        timings = []
        for _ in range(5):  # best of five: the CI machine may be busy
            out = subprocess.run([sys.executable, "-S", "-c", code], env=env, capture_output=True, text=True, check=True)
            elapsed, heavy = out.stdout.split()[0], out.stdout.split()[1:]
            timings.append(float(elapsed))
            self.assertEqual(heavy, [])
        self.assertLess(min(timings), 0.05, timings)


if __name__ == "__main__":
    unittest.main()
