#!/usr/bin/env python3
"""Runtime server performance (standard library only), one JSON line per figure.

- The conformance perf harness (shared/conformance/perf/run_perf.py) on its `noop`
  model: start -> READY, sequential p50/p99 latency and throughput (Cog 0.16.12 on a
  2-core machine: 0.76 s, 1.19 ms, 820 req/s), then on `noop_async4`
  (concurrency.max 4, async predict) with 4 clients: throughput and error count.
- SSE first token: time from `yield` in the worker to the client reading the event.

The harness is looked up in $CONFORMANCE_DIR, then ../shared/conformance next to the
repository; without it the perf figures are reported as skipped.
"""

import http.client
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNTIME = os.path.join(REPO, "templates", "runtime")
TEMPLATE = "PYTHONPATH=%s %s -m cog.server.http --host 127.0.0.1 --upload-url {UPLOAD_URL} {EXTRA_ARGS}" % (RUNTIME, sys.executable)


def emit(name, value, unit, **extra):
    doc = {"name": name, "value": value, "unit": unit}
    doc.update(extra)
    print(json.dumps(doc), flush=True)


def conformance_dir():
    for cand in (os.environ.get("CONFORMANCE_DIR"), os.path.join(os.path.dirname(REPO), "shared", "conformance"), "/work/shared/conformance"):
        if cand and os.path.exists(os.path.join(cand, "perf", "run_perf.py")):
            return cand
    return None


def run_perf(conf, fixture_dir, requests, clients, repeats, starts):
    out = tempfile.mktemp(suffix=".json")
    cmd = [sys.executable, os.path.join(conf, "perf", "run_perf.py"), "--template", TEMPLATE, "--fixture-dir", fixture_dir,
           "--requests", str(requests), "--clients", str(clients), "--repeats", str(repeats), "--starts", str(starts), "--json", out]
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, timeout=900)
    with open(out, encoding="utf-8") as fh:
        data = json.load(fh)
    os.unlink(out)
    return data


def perf_figures():
    conf = conformance_dir()
    if conf is None:
        emit("runtime_noop_seq_p50", None, "ms", skipped="conformance harness not found (set CONFORMANCE_DIR)")
        return
    noop = run_perf(conf, os.path.join(conf, "fixtures", "noop"), 1000, 4, 3, 5)
    seq = noop["sequential_median"]
    emit("runtime_noop_ready", round(noop["ready_s_median"], 3), "s", cog_reference=0.76)
    emit("runtime_noop_seq_p50", round(seq["p50_ms"], 3), "ms", cog_reference=1.19)
    emit("runtime_noop_seq_p99", round(seq["p99_ms"], 3), "ms", cog_reference=1.54)
    emit("runtime_noop_seq_rps", round(seq["rps"], 1), "req/s", cog_reference=820)
    a4 = run_perf(conf, os.path.join(conf, "perf", "fixtures", "noop_async4"), 1000, 4, 3, 1)
    conc = a4["concurrent_median"]
    codes = {}
    for run in a4["runs"]["concurrent"]:
        for code, n in run["codes"].items():
            codes[code] = codes.get(code, 0) + n
    errors = sum(n for code, n in codes.items() if code != "200")
    emit("runtime_async4_4clients_rps", round(conc["rps_all"], 1), "req/s")
    emit("runtime_async4_4clients_non200", errors, "responses", codes=codes)


STREAMING = '''
import time
from typing import Iterator

from cog import BasePredictor, streaming


class Predictor(BasePredictor):
    @streaming
    def predict(self, n: int = 5, pause: float = 0.05) -> Iterator[str]:
        for i in range(n):
            time.sleep(pause)
            yield repr(time.time())
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sse_first_token():
    """Latency from the worker's yield to the client reading that output event."""
    project = tempfile.mkdtemp(prefix="sse-bench-")
    with open(os.path.join(project, "cog.yaml"), "w") as fh:
        fh.write('predict: "predict.py:Predictor"\n')
    with open(os.path.join(project, "predict.py"), "w") as fh:
        fh.write(STREAMING)
    port = free_port()
    env = dict(os.environ, PYTHONPATH=RUNTIME, PORT=str(port))
    proc = subprocess.Popen([sys.executable, "-m", "cog.server.http", "--host", "127.0.0.1"], cwd=project, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/health-check")
                if json.loads(c.getresponse().read())["status"] == "READY":
                    break
            except (OSError, ValueError):
                time.sleep(0.02)
        first, every = [], []
        for _ in range(20):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            c.request("POST", "/predictions", body=json.dumps({"input": {"n": 5}}),
                      headers={"Content-Type": "application/json", "Accept": "text/event-stream"})
            resp = c.getresponse()
            seen = 0
            event = None
            while True:
                line = resp.fp.readline()
                if not line:
                    break
                now = time.time()
                line = line.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line[7:]
                elif line.startswith("data: ") and event == "output":
                    lag = (now - float(json.loads(line[6:])["chunk"])) * 1000
                    every.append(lag)
                    if seen == 0:
                        first.append(lag)
                    seen += 1
                elif event == "completed":
                    break
            resp.close()
            c.close()
        emit("runtime_sse_first_token", round(statistics.median(first), 3), "ms", p90=round(sorted(first)[int(len(first) * 0.9)], 3))
        emit("runtime_sse_token_lag", round(statistics.median(every), 3), "ms")
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
        shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    perf_figures()
    sse_first_token()
