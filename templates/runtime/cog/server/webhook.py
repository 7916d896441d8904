"""Webhooks: filtered, throttled, posted in order from a small thread pool.

As in Cog: the request's `webhook_events_filter` (default: all four events)
decides which events are considered; `start` and `logs` events are dropped
when one was sent less than COG_THROTTLE_RESPONSE_INTERVAL seconds (0.5) ago;
`output` events are never dropped (Cog 0.17+), the terminal one is always sent and retried on connection errors, 429 and 5xx.
Non-terminal posts are tried once. Each prediction's posts go out one at a
time in event order; different predictions do not wait for each other.
"""

import json
import os
import threading
import time

EVENTS = ("start", "output", "logs", "completed")
TERMINAL = ("succeeded", "failed", "canceled")

_pool = None
_pool_lock = threading.Lock()


def _executor():
    global _pool
    with _pool_lock:
        if _pool is None:
            from concurrent.futures import ThreadPoolExecutor

            _pool = ThreadPoolExecutor(max_workers=8, thread_name_prefix="cog-webhook")
        return _pool


def throttle_interval():
    try:
        return float(os.environ.get("COG_THROTTLE_RESPONSE_INTERVAL", "0.5"))
    except ValueError:
        return 0.5


def user_agent(version):
    return "cog-worker/%s edgecog" % version


class WebhookSender:
    def __init__(self, url, events_filter, version):
        self.url = url
        self.filter = set(events_filter or EVENTS)
        self.interval = throttle_interval()
        self.last_sent = 0.0
        self.headers = {"Content-Type": "application/json", "User-Agent": user_agent(version)}
        token = os.environ.get("WEBHOOK_AUTH_TOKEN")
        if token:
            self.headers["Authorization"] = "Bearer " + token
        self._queue = []
        self._lock = threading.Lock()
        self._running = False
        self.idle = threading.Event()
        self.idle.set()

    @property
    def skip_start(self):
        # Cog skips the start event when tuned for latency (interval < 0.1 s)
        return self.interval < 0.1

    def event(self, kind, doc_fn, terminal=False):
        """Consider one event; doc_fn() builds the payload only if it will be sent."""
        if kind not in self.filter:
            return
        now = time.time()
        # Output events are never throttled (as in Cog 0.17+'s coglet): a dropped one would
        # leave a webhook consumer without an item until the next event, maybe minutes later.
        if not terminal and kind != "output" and now - self.last_sent < self.interval:
            return
        self.last_sent = now
        body = json.dumps(doc_fn(), separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        with self._lock:
            self._queue.append((body, terminal))
            if self._running:
                return
            self._running = True
            self.idle.clear()
        _executor().submit(self._drain)

    def _drain(self):
        while True:
            with self._lock:
                if not self._queue:
                    self._running = False
                    self.idle.set()
                    return
                body, terminal = self._queue.pop(0)
            post(self.url, body, self.headers, attempts=8 if terminal else 1)


def post(url, body, headers, attempts=1, timeout=10.0):
    import http.client
    import urllib.parse

    parts = urllib.parse.urlsplit(url)
    path = (parts.path or "/") + ("?" + parts.query if parts.query else "")
    for attempt in range(attempts):
        if attempt:
            time.sleep(min(5.0, 0.1 * (2 ** (attempt - 1))))
        cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        try:
            conn = cls(parts.hostname, parts.port, timeout=timeout)
            try:
                conn.request("POST", path, body=body, headers=headers)
                resp = conn.getresponse()
                resp.read()
            finally:
                conn.close()
        except (OSError, http.client.HTTPException, ValueError):
            continue
        if resp.status in (429, 500, 502, 503, 504):
            continue
        return resp.status
    return None
