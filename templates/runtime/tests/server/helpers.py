"""Helpers for the server tests: a model project in a temp dir, the real server on a
free 127.0.0.1 port, a tiny HTTP client, and a local webhook/upload listener.
Standard library only."""

import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import unittest

RUNTIME = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Reply:
    def __init__(self, status, headers, raw):
        self.status, self.headers, self.raw = status, headers, raw
        try:
            self.json = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            self.json = None


class Server:
    """`python -m cog.server.http` on a project written from `files` ({name: source})."""

    def __init__(self, files, args=(), env=None, wait_for=("READY",), timeout=30.0):
        self.dir = tempfile.mkdtemp(prefix="cogsrv-test-")
        for name, text in files.items():
            with open(os.path.join(self.dir, name), "w", encoding="utf-8") as fh:
                fh.write(textwrap.dedent(text))
        self.port = free_port()
        full_env = dict(os.environ, PORT=str(self.port), PYTHONPATH=RUNTIME, PYTHONUNBUFFERED="1")
        full_env.update(env or {})
        self.log = open(os.path.join(self.dir, "server.log"), "w+b")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "cog.server.http", "--host", "127.0.0.1", *args],
            cwd=self.dir, env=full_env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        if wait_for:
            self.wait_status(wait_for, timeout)

    # ----------------------------------------------------------------- http
    def request(self, method, path, body=None, headers=None, raw=None, timeout=30.0):
        hdrs = dict(headers or {})
        data = raw
        if body is not None:
            data = json.dumps(body).encode("utf-8")
            hdrs.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=data, headers=hdrs)
            resp = conn.getresponse()
            return Reply(resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read())
        finally:
            conn.close()

    def health(self):
        return self.request("GET", "/health-check", timeout=10).json

    def wait_status(self, wanted, timeout=30.0):
        deadline = time.monotonic() + timeout
        last = None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("server exited (%s):\n%s" % (self.proc.returncode, self.output()))
            try:
                last = self.health()
                if last and last.get("status") in wanted:
                    return last
            except (OSError, http.client.HTTPException):
                pass
            time.sleep(0.02)
        raise AssertionError("status %s not reached; last %r\n%s" % (wanted, last, self.output()))

    def output(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read().decode("utf-8", "replace")

    def stop(self):
        if self.proc.poll() is None:
            try:
                self.request("POST", "/shutdown", timeout=5)
            except (OSError, http.client.HTTPException):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(5)
        else:
            try:  # the worker, if the server left it behind
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)


class Listener:
    """Records webhook POSTs (/hook/KEY) and upload PUTs; serves files under /files/."""

    def __init__(self):
        self.cond = threading.Condition()
        self.hooks = {}
        self.uploads = []
        self.files = {}
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def _body(self):
                n = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(n) if n else b""

            def _send(self, code, data=b"", extra=None):
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                for k, v in (extra or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                data = owner.files.get(self.path)
                if data is None:
                    return self._send(404, b"missing")
                return self._send(200, data)

            def do_POST(self):
                data = self._body()
                with owner.cond:
                    owner.hooks.setdefault(self.path.rsplit("/", 1)[-1], []).append(
                        (json.loads(data.decode("utf-8")), dict((k.lower(), v) for k, v in self.headers.items())))
                    owner.cond.notify_all()
                self._send(200, b"{}")

            def do_PUT(self):
                data = self._body()
                with owner.cond:
                    owner.uploads.append({"path": self.path, "body": data, "headers": {k.lower(): v for k, v in self.headers.items()}})
                    owner.cond.notify_all()
                self._send(201, b"", {"Location": "http://127.0.0.1:%d/stored%s?sig=1" % (owner.port, self.path)})

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def events(self, key, terminal=True, timeout=15.0):
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                evs = [doc for doc, _ in self.hooks.get(key, [])]
                if not terminal or any(e.get("status") in ("succeeded", "failed", "canceled") for e in evs):
                    return evs
                left = deadline - time.monotonic()
                if left <= 0:
                    return evs
                self.cond.wait(left)

    def headers(self, key):
        with self.cond:
            return [h for _, h in self.hooks.get(key, [])]

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class ServerTest(unittest.TestCase):
    """One server per test class: FILES, ARGS, ENV, WAIT_FOR."""

    FILES = {}
    ARGS = ()
    ENV = None
    WAIT_FOR = ("READY",)

    @classmethod
    def setUpClass(cls):
        cls.server = Server(cls.FILES, cls.ARGS, cls.ENV, cls.WAIT_FOR)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def post(self, path, body=None, **kw):
        return self.server.request("POST", path, body=body, **kw)

    def put(self, path, body=None, **kw):
        return self.server.request("PUT", path, body=body, **kw)

    def get(self, path, **kw):
        return self.server.request("GET", path, **kw)


COG_YAML = 'predict: "predict.py:Predictor"\n'
