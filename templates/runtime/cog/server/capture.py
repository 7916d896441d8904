"""Capturing what user code writes to stdout/stderr, in the worker process.

Two layers:

- fd level: file descriptors 1 and 2 are replaced by pipes before the user's
  module is imported, so output from C extensions, subprocesses and logging
  handlers that hold the original sys.stderr is captured too. A pump thread
  forwards data as it arrives (so webhooks and SSE see logs live) and `drain()`
  collects whatever is left synchronously, under the same lock, before a
  prediction's `done` is sent; no thread hand-off on the hot path.
- Python level (async predictors only): sys.stdout/sys.stderr are replaced by
  streams that look up the running prediction in a context variable, so two
  concurrent predictions each get their own logs.

Everything is also written ("teed") to the original descriptors, so the
server's own output still shows the model's prints, as Cog's does.
Data is split into lines; a partial last line gets a newline at drain time.
"""

import contextvars
import io
import os
import select
import sys
import threading

# The prediction tag a Python-level write belongs to (async predictors).
CURRENT_TAG = contextvars.ContextVar("cog_log_tag", default=None)

SETUP = "\x00setup"  # tag of logs written during setup()
NOBODY = "\x00none"  # between predictions: teed only, not recorded


class OutputCapture:
    def __init__(self, send_log, tee=True):
        self._send_log = send_log  # (tag, source, text) -> None
        self._tee = tee
        self.lock = threading.RLock()
        self.fd_tag = SETUP  # tag fd-level data is attributed to
        self._orig = {}
        self._readers = {}  # read fd -> (source, original fd)
        self._partial = {}  # (tag, source) -> bytes without newline yet
        self._thread = None

    # ------------------------------------------------------------------ setup
    def start(self, pipes=None):
        """`pipes`: {source: (read fd, write fd)} made by the parent, which keeps a copy of
        each read end so it can still collect what a crashing worker wrote last."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        for fd, source in ((1, "stdout"), (2, "stderr")):
            orig = os.dup(fd)
            if pipes and source in pipes:
                r, w = pipes[source]
            else:
                r, w = os.pipe()
            os.dup2(w, fd)
            os.close(w)
            os.set_blocking(r, False)
            self._orig[source] = orig
            self._readers[r] = (source, orig)
        # Prints reach the pipe line by line, so logs stream while predict() runs, and a
        # line is one write (PYTHONUNBUFFERED would otherwise split `print("a", b)` into
        # pieces, and a crash between them would lose the start of the line).
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.reconfigure(line_buffering=True, write_through=False)
            except Exception:
                pass
        self._thread = threading.Thread(target=self._pump, name="cog-log-pump", daemon=True)
        self._thread.start()

    def original_fd(self, source):
        return self._orig.get(source)

    # ------------------------------------------------------------- fd level
    def _pump(self):
        fds = list(self._readers)
        while True:
            try:
                ready, _, _ = select.select(fds, [], [])
            except InterruptedError:
                continue
            except OSError:
                return
            with self.lock:
                for fd in ready:
                    self._read_fd(fd)

    def _read_fd(self, fd):
        source, orig = self._readers[fd]
        while True:
            try:
                data = os.read(fd, 65536)
            except BlockingIOError:
                return
            except OSError:
                return
            if not data:
                return
            if self._tee:
                _write_all(orig, data)
            tag = self.fd_tag
            if tag is not NOBODY:
                self._feed(tag, source, data)

    def _feed(self, tag, source, data):
        key = (tag, source)
        buf = self._partial.pop(key, b"") + data
        cut = buf.rfind(b"\n")
        if cut < 0:
            self._partial[key] = buf
            return
        if cut + 1 < len(buf):
            self._partial[key] = buf[cut + 1:]
        self._send_log(tag, source, buf[: cut + 1].decode("utf-8", "replace"))

    def feed_text(self, tag, source, text):
        """Python-level write attributed to `tag` (async predictors)."""
        data = text.encode("utf-8", "replace")
        with self.lock:
            if self._tee and source in self._orig:
                _write_all(self._orig[source], data)
            self._feed(tag, source, data)

    # ------------------------------------------------------------------ drain
    def drain(self, tag):
        """Forward everything written so far; close `tag`'s partial lines with a newline."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except Exception:
                pass
        with self.lock:
            for fd in self._readers:
                self._read_fd(fd)
            for source in ("stdout", "stderr"):
                rest = self._partial.pop((tag, source), None)
                if rest:
                    self._send_log(tag, source, rest.decode("utf-8", "replace") + "\n")


class TaggedStream(io.TextIOBase):
    """sys.stdout/sys.stderr replacement for async predictors (see module doc)."""

    def __init__(self, capture, source, underlying):
        super().__init__()
        self._capture = capture
        self._source = source
        self._under = underlying

    def write(self, s):
        if not isinstance(s, str):
            raise TypeError("write() argument must be str, not " + type(s).__name__)
        tag = CURRENT_TAG.get()
        if tag is None:
            return self._under.write(s)
        self._capture.feed_text(tag, self._source, s)
        return len(s)

    def writable(self):
        return True

    def flush(self):
        try:
            self._under.flush()
        except Exception:
            pass

    def fileno(self):
        return self._under.fileno()

    def isatty(self):
        return False

    @property
    def encoding(self):
        return getattr(self._under, "encoding", "utf-8")

    @property
    def errors(self):
        return getattr(self._under, "errors", "strict")

    @property
    def buffer(self):
        return self._under.buffer

    @property
    def name(self):
        return getattr(self._under, "name", "<" + self._source + ">")


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        try:
            n = os.write(fd, view)
        except InterruptedError:
            continue
        except OSError:
            return
        view = view[n:]
