"""A small single-threaded event loop on epoll (poll elsewhere), standard library only.

Why not asyncio: importing asyncio costs tens of milliseconds of start-up, and
each loop iteration of asyncio (handles, contexts, selector key objects)
costs more than the whole request handling of this server. The HTTP process
needs only: readers on file descriptors, non-blocking socket transports,
call_soon / call_later / call_soon_threadsafe, tiny futures and signal
handling. The interface mirrors asyncio's names so the code reads the same.
"""

import collections
import errno
import heapq
import os
import select
import signal
import socket
import threading
import time

_IN = getattr(select, "EPOLLIN", 1)
_OUT = getattr(select, "EPOLLOUT", 4)
_ERRS = getattr(select, "EPOLLERR", 8) | getattr(select, "EPOLLHUP", 16)
_AGAIN = (errno.EAGAIN, errno.EWOULDBLOCK, errno.EINTR)


class _Poller:
    def __init__(self):
        if hasattr(select, "epoll"):
            self._p = select.epoll()
            self._scale = 1.0
        else:  # pragma: no cover - macOS
            self._p = select.poll()
            self._scale = 1000.0

    def register(self, fd, mask):
        self._p.register(fd, mask)

    def modify(self, fd, mask):
        self._p.modify(fd, mask)

    def unregister(self, fd):
        try:
            self._p.unregister(fd)
        except (OSError, KeyError, ValueError):
            pass

    def poll(self, timeout):
        t = -1 if timeout is None else timeout * self._scale
        return self._p.poll(t)


class TimerHandle:
    __slots__ = ("when", "cb", "args", "cancelled")

    def __init__(self, when, cb, args):
        self.when, self.cb, self.args, self.cancelled = when, cb, args, False

    def cancel(self):
        self.cancelled = True

    def __lt__(self, other):
        return self.when < other.when


class Future:
    """Just enough of asyncio.Future for callbacks (never awaited)."""

    __slots__ = ("_done", "_result", "_callbacks", "_loop")

    def __init__(self, loop):
        self._loop, self._done, self._result, self._callbacks = loop, False, None, []

    def done(self):
        return self._done

    def result(self):
        return self._result

    def set_result(self, value):
        if self._done:
            return
        self._done, self._result = True, value
        callbacks, self._callbacks = self._callbacks, []
        for cb in callbacks:
            self._loop.call_soon(cb, self)

    def add_done_callback(self, cb):
        if self._done:
            self._loop.call_soon(cb, self)
        else:
            self._callbacks.append(cb)

    def remove_done_callback(self, cb):
        self._callbacks = [c for c in self._callbacks if c is not cb]


class Loop:
    def __init__(self):
        self._poller = _Poller()
        self._handlers = {}  # fd -> [reader, writer, mask]
        self._ready = collections.deque()
        self._timers = []
        self._stopping = False
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_r, False)
        os.set_blocking(self._wake_w, False)
        self.add_reader(self._wake_r, self._drain_wake)
        self._signals = {}
        self._lock = threading.Lock()

    # ------------------------------------------------------------ callbacks
    def call_soon(self, cb, *args):
        self._ready.append((cb, args))

    def call_soon_threadsafe(self, cb, *args):
        self._ready.append((cb, args))  # deque.append is atomic
        try:
            os.write(self._wake_w, b"\0")
        except OSError:
            pass

    def call_later(self, delay, cb, *args):
        handle = TimerHandle(time.monotonic() + max(0.0, delay), cb, args)
        heapq.heappush(self._timers, handle)
        return handle

    def create_future(self):
        return Future(self)

    def time(self):
        return time.monotonic()

    def _drain_wake(self):
        try:
            while os.read(self._wake_r, 4096):
                pass
        except OSError:
            pass
        for signum in list(self._signals):
            pending = self._signals[signum]
            if pending[2]:
                pending[2] = False
                self.call_soon(pending[0], *pending[1])

    # --------------------------------------------------------------- fds
    def _update(self, fd):
        entry = self._handlers[fd]
        mask = (_IN if entry[0] else 0) | (_OUT if entry[1] else 0)
        if mask == entry[2]:
            return
        if not mask:
            self._poller.unregister(fd)
            del self._handlers[fd]
            return
        if entry[2]:
            self._poller.modify(fd, mask)
        else:
            self._poller.register(fd, mask)
        entry[2] = mask

    def add_reader(self, fd, cb):
        self._handlers.setdefault(fd, [None, None, 0])[0] = cb
        self._update(fd)

    def remove_reader(self, fd):
        if fd in self._handlers:
            self._handlers[fd][0] = None
            self._update(fd)

    def add_writer(self, fd, cb):
        self._handlers.setdefault(fd, [None, None, 0])[1] = cb
        self._update(fd)

    def remove_writer(self, fd):
        if fd in self._handlers:
            self._handlers[fd][1] = None
            self._update(fd)

    # ----------------------------------------------------------- signals
    def add_signal_handler(self, signum, cb, *args):
        self._signals[signum] = [cb, args, False]
        signal.set_wakeup_fd(self._wake_w)

        def handler(_signum, _frame):
            self._signals[signum][2] = True

        signal.signal(signum, handler)

    # --------------------------------------------------------------- run
    def stop(self):
        self._stopping = True

    def run_forever(self):
        self._stopping = False
        ready, timers, handlers, poll = self._ready, self._timers, self._handlers, self._poller.poll
        while not self._stopping:
            if ready:
                timeout = 0
            elif timers:
                timeout = max(0.0, timers[0].when - time.monotonic())
            else:
                timeout = None
            try:
                events = poll(timeout)
            except InterruptedError:
                events = ()
            for fd, mask in events:
                entry = handlers.get(fd)
                if entry is None:
                    continue
                try:
                    if mask & (_IN | _ERRS) and entry[0] is not None:
                        entry[0]()
                    if mask & (_OUT | _ERRS) and entry[1] is not None:
                        entry[1]()
                except Exception:  # a bug in one callback must not stop the server
                    _report()
            if timers:
                now = time.monotonic()
                while timers and timers[0].when <= now:
                    handle = heapq.heappop(timers)
                    if not handle.cancelled:
                        ready.append((handle.cb, handle.args))
            for _ in range(len(ready)):
                cb, args = ready.popleft()
                try:
                    cb(*args)
                except Exception:
                    _report()

    # ------------------------------------------------------------ server
    def create_server(self, protocol_factory, host, port, backlog=2048):
        infos = socket.getaddrinfo(host or None, port, socket.AF_UNSPEC, socket.SOCK_STREAM, 0, socket.AI_PASSIVE)
        family, socktype, proto, _, addr = infos[0]
        sock = socket.socket(family, socktype, proto)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(addr)
            sock.listen(backlog)
        except OSError:
            sock.close()
            raise
        sock.setblocking(False)

        def accept():
            for _ in range(64):
                try:
                    conn, _ = sock.accept()
                except (BlockingIOError, InterruptedError):
                    return
                except OSError:
                    return
                conn.setblocking(False)
                try:
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                except OSError:
                    pass
                Transport(self, conn, protocol_factory())

        self.add_reader(sock.fileno(), accept)
        return Server(self, sock)


def _report():
    import sys
    import traceback

    try:
        sys.stderr.write("cog.server: internal error (the server keeps running):\n" + traceback.format_exc())
        sys.stderr.flush()
    except Exception:
        pass


class Server:
    def __init__(self, loop, sock):
        self.loop, self.sock = loop, sock

    def close(self):
        self.loop.remove_reader(self.sock.fileno())
        self.sock.close()


class Transport:
    """A non-blocking stream socket driving an asyncio-style protocol."""

    __slots__ = ("loop", "sock", "fd", "protocol", "out", "closing", "closed")

    def __init__(self, loop, sock, protocol):
        self.loop, self.sock, self.fd, self.protocol = loop, sock, sock.fileno(), protocol
        self.out = bytearray()
        self.closing = self.closed = False
        protocol.connection_made(self)
        loop.add_reader(self.fd, self._readable)

    def _readable(self):
        try:
            data = self.sock.recv(65536)  # not larger: a read buffer of 256 KiB+ costs an mmap/munmap (~25 us) per call
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            return self._lost(exc)
        if not data:
            return self._lost(None)
        self.protocol.data_received(data)

    def write(self, data):
        if self.closed or self.closing:
            return
        if not self.out:
            try:
                n = self.sock.send(data)
            except (BlockingIOError, InterruptedError):
                n = 0
            except OSError as exc:
                return self._lost(exc)
            if n == len(data):
                return
            data = data[n:]
            self.loop.add_writer(self.fd, self._writable)
        self.out += data

    def _writable(self):
        try:
            n = self.sock.send(self.out)
        except (BlockingIOError, InterruptedError):
            return
        except OSError as exc:
            return self._lost(exc)
        del self.out[:n]
        if not self.out:
            self.loop.remove_writer(self.fd)
            if self.closing:
                self._finish()

    def close(self):
        if self.closed or self.closing:
            return
        self.closing = True
        self.loop.remove_reader(self.fd)
        if not self.out:
            self._finish()

    def is_closing(self):
        return self.closing or self.closed

    def _finish(self):
        if self.closed:
            return
        self.closed = True
        self.loop.remove_reader(self.fd)
        self.loop.remove_writer(self.fd)
        try:
            self.sock.close()
        except OSError:
            pass
        self.loop.call_soon(self.protocol.connection_lost, None)

    def _lost(self, exc):
        self.out = bytearray()
        self.closing = False
        self._finish()
