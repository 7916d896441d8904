#!/usr/bin/env python3
"""Runtime server performance (standard library only), one JSON line per figure.

- The conformance perf harness (shared/conformance/perf/run_perf.py) on its `noop`
  model: start -> READY, sequential p50/p99 latency and throughput (Cog 0.16.12 on a
  2-core machine: 0.76 s, 1.19 ms, 820 req/s), then on `noop_async4`
  (concurrency.max 4, async predict) with 4 clients: throughput and error count.
- SSE first token: time from `yield` in the worker to the client reading the event.

The harness is looked up in $CONFORMANCE_DIR, then ../shared/conformance next to the
repository; without it the perf figures are reported as skipped. With COG_REF_TEMPLATE (a
run_perf.py template starting Cog 0.16.12's own server, e.g. `PYTHONPATH=cog-src/python
venv/bin/python -m cog.server.http --host 127.0.0.1 --await-explicit-shutdown true`) the
reference is measured too, right before ours, and the speed-ups are against it rather than
against the published figures.
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
    for cand in (os.environ.get("CONFORMANCE_DIR"), os.path.join(os.environ.get("EDGECOG_SHARED_DIR") or os.path.join(os.path.dirname(REPO), "shared"), "conformance")):
        if cand and os.path.exists(os.path.join(cand, "perf", "run_perf.py")):
            return cand
    return None


def run_perf(conf, fixture_dir, requests, clients, repeats, starts, template=TEMPLATE):
    out = tempfile.mktemp(suffix=".json")
    cmd = [sys.executable, os.path.join(conf, "perf", "run_perf.py"), "--template", template, "--fixture-dir", fixture_dir,
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
    ref = {"ready": 0.76, "p50": 1.19, "p99": 1.54, "rps": 820}
    ref_template = os.environ.get("COG_REF_TEMPLATE")
    if ref_template:
        # Cog's own server measured here and now, right before ours: same machine, same load.
        r = run_perf(conf, os.path.join(conf, "fixtures", "noop"), 1000, 4, 3, 5, template=ref_template)
        ref = {"ready": r["ready_s_median"], "p50": r["sequential_median"]["p50_ms"],
               "p99": r["sequential_median"]["p99_ms"], "rps": r["sequential_median"]["rps"]}
        for key, unit in (("ready", "s"), ("p50", "ms"), ("p99", "ms"), ("rps", "req/s")):
            emit("cog_ref_noop_" + key, round(ref[key], 3), unit)
    noop = run_perf(conf, os.path.join(conf, "fixtures", "noop"), 1000, 4, 3, 5)
    seq = noop["sequential_median"]
    emit("runtime_noop_ready", round(noop["ready_s_median"], 3), "s", cog_reference=round(ref["ready"], 3))
    emit("runtime_noop_seq_p50", round(seq["p50_ms"], 3), "ms", cog_reference=round(ref["p50"], 3))
    emit("runtime_noop_seq_p99", round(seq["p99_ms"], 3), "ms", cog_reference=round(ref["p99"], 3))
    emit("runtime_noop_seq_rps", round(seq["rps"], 1), "req/s", cog_reference=round(ref["rps"], 1))
    emit("runtime_vs_cog_p50_speedup", round(ref["p50"] / seq["p50_ms"], 2), "x")
    emit("runtime_vs_cog_rps_speedup", round(seq["rps"] / ref["rps"], 2), "x")
    emit("runtime_vs_cog_ready_speedup", round(ref["ready"] / noop["ready_s_median"], 2), "x")
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
