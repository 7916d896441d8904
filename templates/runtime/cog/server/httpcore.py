"""A small, fast HTTP/1.1 server protocol for loop.Loop (standard library only).

What it does: request line + headers (64 KiB at most, else 431), bodies by
Content-Length or chunked transfer coding (COG_MAX_BODY_BYTES, default
100 MiB, else 413 before reading it), `Expect: 100-continue`, keep-alive with
one request handled at a time per connection (pipelined requests wait in the
buffer), and streamed responses (SSE). Malformed requests get 400 and the
connection is closed; nothing here can raise into the event loop.
"""

import os
import urllib.parse

MAX_HEAD = 64 * 1024


def max_body_bytes():
    try:
        return int(os.environ.get("COG_MAX_BODY_BYTES", str(100 * 1024 * 1024)))
    except ValueError:
        return 100 * 1024 * 1024


REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 400: "Bad Request", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 409: "Conflict", 413: "Payload Too Large",
    415: "Unsupported Media Type", 422: "Unprocessable Entity", 431: "Request Header Fields Too Large",
    500: "Internal Server Error", 501: "Not Implemented", 503: "Service Unavailable",
}


class HttpError(Exception):
    def __init__(self, status, detail):
        super().__init__(detail)
        self.status = status
        self.detail = detail


class Request:
    __slots__ = ("method", "path", "query", "headers", "body", "keep_alive")

    def __init__(self, method, path, query, headers, body, keep_alive):
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
        self.keep_alive = keep_alive


class HttpProtocol:
    """One connection. `handler(request, conn)` must end with conn.respond(...) or conn.stream_*."""

    __slots__ = ("loop", "handler", "max_body", "transport", "buf", "busy", "closed", "keep_alive",
                 "sent_continue", "on_close", "pending", "head_only", "chunk_state")

    def __init__(self, loop, handler, max_body):
        self.loop = loop
        self.handler = handler
        self.max_body = max_body
        self.transport = None
        self.buf = bytearray()
        self.busy = False  # a request is being handled
        self.closed = False
        self.keep_alive = True
        self.sent_continue = False
        self.on_close = None  # set by streaming handlers
        self.pending = None  # parsed head of a request whose body has not fully arrived
        self.head_only = False  # answering a HEAD request: headers only
        self.chunk_state = None  # (position, decoded body so far) of a chunked body

    # ------------------------------------------------------- loop callbacks
    def connection_made(self, transport):
        self.transport = transport

    def data_received(self, data):
        self.buf += data
        if not self.busy:
            self._next()

    def connection_lost(self, exc):
        self.closed = True
        cb, self.on_close = self.on_close, None
        if cb is not None:
            cb()

    # --------------------------------------------------------------- parsing
    def _next(self):
        while not self.busy and not self.closed and self.buf:
            try:
                req = self._parse()
            except HttpError as err:
                self.keep_alive = False
                self.respond_json(err.status, b'{"detail":"%s"}' % err.detail.encode("ascii", "replace"), close=True)
                return
            if req is None:
                return
            self.busy = True
            self.keep_alive = req.keep_alive
            if req.method == "HEAD":  # as Starlette does: every GET route answers HEAD too
                req.method = "GET"
                self.head_only = True
            try:
                self.handler(req, self)
            except Exception:  # a bug in a handler must not kill the connection silently
                import traceback

                traceback.print_exc()
                if self.busy:
                    self.respond_json(500, b'{"detail":"Internal Server Error"}', close=True)

    def _parse(self):
        buf = self.buf
        head = self.pending
        if head is None:
            head = self._parse_head(buf)
            if head is None:
                return None
        method, target, headers, keep_alive, start, length = head
        if length is None:  # chunked
            body, used = self._chunked(buf, start, headers)
            if body is None:
                self.pending = head
                return None
        else:
            if len(buf) - start < length:
                self.pending = head  # headers are not parsed again when the body comes later
                self._maybe_continue(headers)
                return None
            body = bytes(buf[start:start + length])
            used = start + length
        self.pending = None
        del buf[:used]
        self.sent_continue = False
        path, _, query = target.partition("?")
        if "%" in path:
            try:
                path = urllib.parse.unquote(path, errors="strict")
            except UnicodeDecodeError:
                raise HttpError(400, "Malformed path") from None
        return Request(method, path, query, headers, body, keep_alive)

    def _parse_head(self, buf):
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            if len(buf) > MAX_HEAD:
                raise HttpError(431, "Request header fields too large")
            return None
        if end > MAX_HEAD:
            raise HttpError(431, "Request header fields too large")
        lines = buf[:end].decode("latin-1").split("\r\n")
        parts = lines[0].split(" ")
        if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
            raise HttpError(400, "Malformed request line")
        method, target, version = parts
        headers = {}
        for i in range(1, len(lines)):
            name, sep, value = lines[i].partition(":")
            if not sep or not name or name[-1] in " \t":
                raise HttpError(400, "Malformed header")
            name = name.lower()
            if name in headers:
                headers[name] += ", " + value.strip()
            else:
                headers[name] = value.strip()
        conn = headers.get("connection")
        if version == "HTTP/1.1":
            keep_alive = conn is None or "close" not in conn.lower()
        else:  # HTTP/1.0: keep-alive only when asked for, and then said in the answer
            keep_alive = 2 if conn is not None and "keep-alive" in conn.lower() else False
        te = headers.get("transfer-encoding")
        if te is not None and "chunked" in te.lower():
            length = None
        else:
            cl = headers.get("content-length")
            if cl is None:
                length = 0
            elif not cl.isdigit():
                raise HttpError(400, "Invalid Content-Length")
            else:
                length = int(cl)
                if length > self.max_body:
                    raise HttpError(413, "Request body too large")
        return (method, target, headers, keep_alive, end + 4, length)

    def _chunked(self, buf, pos, headers):
        # resumable: chunks already decoded are kept, so many small reads stay linear
        if self.chunk_state is not None:
            pos, out = self.chunk_state
        else:
            out = bytearray()
        while True:
            self.chunk_state = (pos, out)
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                if len(buf) - pos > 1024:
                    raise HttpError(400, "Malformed chunk")
                self._maybe_continue(headers)
                return None, 0
            size_text = bytes(buf[pos:eol]).split(b";")[0].strip()
            try:
                size = int(size_text, 16)
            except ValueError:
                raise HttpError(400, "Malformed chunk") from None
            if len(out) + size > self.max_body:
                raise HttpError(413, "Request body too large")
            if size == 0:
                end = buf.find(b"\r\n\r\n", eol)
                if end < 0:
                    if buf[eol:eol + 4] == b"\r\n\r\n":
                        end = eol
                    else:
                        return None, 0
                self.chunk_state = None
                return bytes(out), end + 4
            if len(buf) < eol + 2 + size + 2:
                self._maybe_continue(headers)
                return None, 0
            out += buf[eol + 2:eol + 2 + size]
            pos = eol + 2 + size + 2

    def _maybe_continue(self, headers):
        if not self.sent_continue and headers.get("expect", "").lower() == "100-continue":
            self.sent_continue = True
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")

    # -------------------------------------------------------------- answers
    def respond_json(self, status, body, close=False, extra=None):
        self.respond(status, body, b"application/json", close=close, extra=extra)

    def respond(self, status, body, content_type=b"application/json", close=False, extra=None):
        if self.closed:
            self.busy = False
            return
        close = close or not self.keep_alive
        head = b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncontent-length: %d\r\n" % (
            status, REASONS.get(status, "Unknown").encode(), content_type, len(body))
        if extra:
            head += extra
        if close:
            head += b"connection: close\r\n"
        elif self.keep_alive == 2:
            head += b"connection: keep-alive\r\n"
        if self.head_only:
            self.head_only = False
            body = b""
        self.transport.write(head + b"\r\n" + body)
        self.busy = False
        if close:
            self.closed = True
            self.transport.close()
        elif self.buf:
            # keep handling pipelined requests, but not inside the caller's stack
            self.loop.call_soon(self._next)

    def stream_start(self, status=200, content_type=b"text/event-stream", on_close=None):
        """Start a response of unknown length (closed at the end: no chunking needed)."""
        self.on_close = on_close
        self.keep_alive = False
        self.transport.write(
            b"HTTP/1.1 %d %s\r\ncontent-type: %s\r\ncache-control: no-cache\r\nconnection: close\r\n"
            b"x-accel-buffering: no\r\n\r\n" % (status, REASONS.get(status, "OK").encode(), content_type))

    def stream_write(self, data):
        if not self.closed:
            self.transport.write(data)

    def stream_end(self):
        self.on_close = None
        self.busy = False
        if not self.closed:
            self.closed = True
            self.transport.close()
