"""The HTTP process's side of the worker: spawning it and exchanging JSON lines.

Events are read with loop.add_reader on a non-blocking pipe, so a prediction's
result reaches the HTTP handler without any thread hand-off. A waiter thread
notices the worker exiting (crash, os._exit, segfault) even when a grandchild
keeps the pipe open, and reports it once every pending event has been read.
"""

import json
import os
import signal
import sys
import threading
import time

_DUMPS = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _can_fork():
    """Fork (no exec) on Linux: the worker skips a second interpreter start-up, which is most
    of the time to READY for a small model. Elsewhere (macOS frameworks do not survive a
    fork without exec) and with COG_WORKER_EXEC=1 the worker is a fresh interpreter."""
    return sys.platform.startswith("linux") and os.environ.get("COG_WORKER_EXEC", "") in ("", "0")


class ForkedProcess:
    """The part of subprocess.Popen's interface the supervisor uses, for a forked worker.

    The fork happens before this process starts any thread, so the child is a clean copy.
    """

    def __init__(self, cfg, close_in_child):
        self._lock = threading.Lock()
        self.returncode = None
        pid = os.fork()
        if pid == 0:  # the worker
            code = 1
            try:
                for fd in close_in_child:
                    os.close(fd)
                from .worker import run_worker

                code = run_worker(cfg)
            finally:
                os._exit(code or 0)
        self.pid = pid

    def _set(self, status):
        if os.WIFSIGNALED(status):
            self.returncode = -os.WTERMSIG(status)
        else:
            self.returncode = os.WEXITSTATUS(status)

    def poll(self):
        with self._lock:
            if self.returncode is None:
                try:
                    pid, status = os.waitpid(self.pid, os.WNOHANG)
                except ChildProcessError:
                    return self.returncode
                if pid:
                    self._set(status)
            return self.returncode

    def wait(self, timeout=None):
        if timeout is None:
            try:
                _, status = os.waitpid(self.pid, 0)
                with self._lock:
                    if self.returncode is None:
                        self._set(status)
            except ChildProcessError:
                pass
            while self.returncode is None:  # reaped by a concurrent poll()
                time.sleep(0.01)
            return self.returncode
        deadline = time.monotonic() + timeout
        while self.poll() is None:
            if time.monotonic() >= deadline:
                import subprocess

                raise subprocess.TimeoutExpired("worker", timeout)
            time.sleep(0.01)
        return self.returncode

    def send_signal(self, sig):
        if self.returncode is None:
            os.kill(self.pid, sig)

    def kill(self):
        self.send_signal(signal.SIGKILL)

    def terminate(self):
        self.send_signal(signal.SIGTERM)


def _runtime_root():
    # .../runtime/cog/server/supervisor.py -> .../runtime
    return os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class WorkerProcess:
    def __init__(self, loop, cfg, on_event, on_exit):
        self.loop = loop
        self.cfg = dict(cfg)
        self.on_event = on_event  # (dict) -> None
        self.on_exit = on_exit  # (returncode) -> None
        self.proc = None
        self.pid = None
        self._buf = bytearray()
        self._exited = False
        self._hc_n = 0
        self._hc_waiters = {}

    def start(self, popen=None):
        self.spawn(popen)
        self.attach(self.loop)

    def spawn(self, popen=None):
        """Start the process; needs no event loop, so it can happen before the server modules are imported."""
        cmd_r, self.cmd_w = os.pipe()
        self.evt_r, evt_w = os.pipe()
        hc_r, self.hc_w = os.pipe()
        out_r, out_w = os.pipe()
        err_r, err_w = os.pipe()
        self.capture_r = {"stdout": out_r, "stderr": err_r}
        cfg = dict(self.cfg, cmd_fd=cmd_r, evt_fd=evt_w, hc_fd=hc_r,
                   capture={"stdout": [out_r, out_w], "stderr": [err_r, err_w]})
        if popen is None and _can_fork():
            self.proc = ForkedProcess(cfg, close_in_child=(self.cmd_w, self.evt_r, self.hc_w))
        else:
            import subprocess

            env = dict(os.environ)
            root = _runtime_root()
            path = env.get("PYTHONPATH", "")
            if root not in path.split(os.pathsep):
                env["PYTHONPATH"] = root + (os.pathsep + path if path else "")
            self.proc = (popen or subprocess.Popen)(
                [sys.executable, "-m", "cog.server.worker", json.dumps(cfg)],
                pass_fds=(cmd_r, evt_w, hc_r, out_r, out_w, err_r, err_w),
                env=env,
            )
        self.pid = self.proc.pid
        for fd in (cmd_r, evt_w, hc_r, out_w, err_w):
            os.close(fd)
        for fd in (out_r, err_r):
            os.set_blocking(fd, False)
        os.set_blocking(self.evt_r, False)

    def attach(self, loop):
        self.loop = loop
        loop.add_reader(self.evt_r, self._readable)
        threading.Thread(target=self._wait, name="cog-worker-wait", daemon=True).start()

    # ---------------------------------------------------------------- events
    def _readable(self):
        self._read_available()

    def _read_available(self):
        while True:
            try:
                data = os.read(self.evt_r, 65536)  # not larger: a read buffer of 256 KiB+ costs an mmap/munmap (~25 us) per call
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                data = b""
            if not data:
                try:
                    self.loop.remove_reader(self.evt_r)
                except Exception:
                    pass
                break
            if self._buf:
                # a message larger than one read (a big data URI): accumulate without
                # re-copying, and only look for its end in the new bytes
                if data.find(b"\n") < 0:
                    self._buf += data
                    continue
                self._buf += data
                buf, self._buf = bytes(self._buf), bytearray()
            else:
                buf = data
            start = 0
            while True:
                cut = buf.find(b"\n", start)
                if cut < 0:
                    break
                line = buf[start:cut]
                start = cut + 1
                if line:
                    self._dispatch(json.loads(line.decode("utf-8")))
            if start < len(buf):
                self._buf = bytearray(buf[start:])
            if len(data) < 65536:
                break

    def _dispatch(self, msg):
        if msg.get("t") == "hc":
            waiter = self._hc_waiters.pop(msg.get("n"), None)
            if waiter is not None and not waiter.done():
                waiter.set_result((msg.get("ok"), msg.get("error")))
            return
        self.on_event(msg)

    def _wait(self):
        code = self.proc.wait()
        self.loop.call_soon_threadsafe(self._gone, code)

    def _gone(self, code):
        if self._exited:
            return
        self._exited = True
        self._read_available()  # whatever the worker managed to say before dying
        for waiter in self._hc_waiters.values():
            if not waiter.done():
                waiter.set_result((False, "Healthcheck failed: the worker process exited"))
        self._hc_waiters.clear()
        self.on_exit(code)

    def leftover_output(self):
        """What the worker wrote to stdout/stderr but never forwarded (it died): {source: text}."""
        out = {}
        for source, fd in getattr(self, "capture_r", {}).items():
            chunks = []
            while True:
                try:
                    data = os.read(fd, 65536)
                except (BlockingIOError, InterruptedError):
                    break
                except OSError:
                    break
                if not data:
                    break
                chunks.append(data)
            if chunks:
                out[source] = b"".join(chunks).decode("utf-8", "replace")
        return out

    @property
    def alive(self):
        return self.proc is not None and not self._exited and self.proc.poll() is None

    # -------------------------------------------------------------- commands
    def send(self, msg):
        data = _DUMPS(msg).encode("utf-8") + b"\n"
        view = memoryview(data)
        try:
            while view:
                n = os.write(self.cmd_w, view)
                view = view[n:]
        except OSError:
            return False
        return True

    def cancel(self, tag, is_async):
        if is_async:
            self.send({"t": "cancel", "tag": tag})
        elif self.alive:
            try:
                os.kill(self.pid, signal.SIGUSR1)
            except OSError:
                pass

    def healthcheck(self):
        """A future resolving to (ok, error) from the user's healthcheck()."""
        fut = self.loop.create_future()
        if not self.alive:
            fut.set_result((False, "Healthcheck failed: the worker process exited"))
            return fut
        self._hc_n += 1
        self._hc_waiters[self._hc_n] = fut
        try:
            os.write(self.hc_w, (json.dumps({"n": self._hc_n}) + "\n").encode())
        except OSError:
            self._hc_waiters.pop(self._hc_n, None)
            fut.set_result((False, "Healthcheck failed: the worker process exited"))
        return fut

    def forget_healthcheck(self, fut):
        for n, waiter in list(self._hc_waiters.items()):
            if waiter is fut:
                del self._hc_waiters[n]

    def stop(self, timeout=5.0):
        """Ask the worker to exit, then make sure it does (blocking, bounded)."""
        if self.proc is None:
            return
        import subprocess

        if self.proc.poll() is None:
            self.send({"t": "shutdown"})
            try:
                self.proc.wait(0.5)
            except subprocess.TimeoutExpired:
                pass
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 2.0)):
            if self.proc.poll() is not None:
                break
            try:
                self.proc.send_signal(sig)
                self.proc.wait(wait)
            except (OSError, subprocess.TimeoutExpired):
                pass

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            try:
                self.proc.kill()
            except OSError:
                pass
