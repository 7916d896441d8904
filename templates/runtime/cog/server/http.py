"""The prediction server.

    python -m cog.server.http [--host H] [--port P] [--upload-url URL]
                              [--x-mode predict|train] [--await-explicit-shutdown true]

Reads cog.yaml in the working directory, starts the worker process first (so
the model loads while this process is still importing), then serves Cog's
HTTP protocol on PORT (default 5000) from one event loop (loop.py).
SIGTERM stops taking predictions, lets the running ones finish (at most
COG_SHUTDOWN_TIMEOUT seconds, default 30) and exits; with
--await-explicit-shutdown it is ignored, as in Cog, and only POST /shutdown
(or SIGINT) stops the server.
"""

import os
import sys
import time


def _truthy(value):
    return str(value).strip().lower() in ("1", "true", "yes", "on", "t", "y")


def parse_args(argv):
    import argparse

    ap = argparse.ArgumentParser(prog="python -m cog.server.http", description="Cog-compatible prediction server")
    ap.add_argument("-v", "--version", action="store_true", help="print the version and exit")
    ap.add_argument("--host", default="0.0.0.0", help="address to bind (default 0.0.0.0)")
    ap.add_argument("--port", type=int, default=None, help="port (default: $PORT or 5000)")
    ap.add_argument("--threads", type=int, default=None, help=argparse.SUPPRESS)  # accepted for Cog compatibility
    ap.add_argument("--upload-url", dest="upload_url", default=None, help="where async predictions PUT output files")
    ap.add_argument("--await-explicit-shutdown", dest="await_explicit_shutdown", nargs="?", const="true", default="false",
                    help="ignore SIGTERM and keep serving after a fatal error until POST /shutdown")
    ap.add_argument("--x-mode", dest="mode", choices=("predict", "train"), default="predict")
    return ap.parse_args(argv)


def _version():
    try:
        import cog

        return str(getattr(cog, "__version__", None) or "0.16.12+edgecog")
    except Exception:
        return "0.16.12+edgecog"


def _float_env(name, default):
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return float(raw)
    except ValueError:
        sys.stderr.write("ignoring invalid %s=%r\n" % (name, raw))
        return default


class _Args:
    host = "0.0.0.0"
    port = None
    threads = None
    upload_url = None
    await_explicit_shutdown = "false"
    mode = "predict"
    version = False


def fast_args(argv):
    """The usual flags without importing argparse (startup time); None sends the rest to argparse."""
    args = _Args()
    names = {"--host": "host", "--port": "port", "--upload-url": "upload_url", "--threads": "threads", "--x-mode": "mode"}
    i = 0
    while i < len(argv):
        flag, eq, value = argv[i].partition("=")
        if flag == "--await-explicit-shutdown":
            if eq:
                args.await_explicit_shutdown = value
            elif i + 1 < len(argv) and not argv[i + 1].startswith("-"):
                args.await_explicit_shutdown = argv[i + 1]
                i += 1
            else:
                args.await_explicit_shutdown = "true"
        elif flag in names and (eq or i + 1 < len(argv)):
            if not eq:
                value = argv[i + 1]
                i += 1
            setattr(args, names[flag], value)
        else:
            return None
        i += 1
    if args.mode not in ("predict", "train"):
        return None
    try:
        args.port = int(args.port) if args.port is not None else None
        args.threads = int(args.threads) if args.threads is not None else None
    except ValueError:
        return None
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = fast_args(argv) or parse_args(argv)
    version = _version()
    if args.version:
        print("cog.server.http " + version)
        return 0
    from cog.config import max_concurrency, predictor_ref, read_config

    config = read_config("cog.yaml")
    mode = args.mode
    ref = predictor_ref(config, mode)
    await_shutdown = _truthy(args.await_explicit_shutdown)
    port = args.port if args.port is not None else int(os.environ.get("PORT", "5000") or 5000)

    worker = None
    if ref is not None:
        # start the model loading first: it runs while this process imports the rest
        from .supervisor import WorkerProcess

        worker = WorkerProcess(None, {"ref": ref, "mode": mode,
                                      "other_ref": predictor_ref(config, "predict") if mode == "train" else None,
                                      "max_concurrency": max_concurrency(config)}, None, None)
        worker.spawn()

    from .app import App
    from .httpcore import HttpProtocol, max_body_bytes
    from .loop import Loop

    loop = Loop()
    opts = {
        "mode": mode,
        "upload_url": args.upload_url,
        "train_enabled": mode == "train" and bool(predictor_ref(config, "train")),
        "await_explicit_shutdown": await_shutdown,
        "max_concurrency": max_concurrency(config),
        "exit_grace": _float_env("COG_FATAL_EXIT_GRACE", 5.0),
    }
    app = App(loop, opts, version)
    exit_code = [0]

    def on_stop(code):
        exit_code[0] = code
        loop.stop()

    app.on_stop = on_stop
    if ref is None:
        app.routes_limited = True
        app.setup_logs = ["Error while loading predictor:\n\nCan't run predictions: '%s' option not found in cog.yaml\n" % mode]
        app.setup_failed(None)
    else:
        worker.on_event, worker.on_exit = app.on_worker_event, app.on_worker_exit
        app.worker = worker
        worker.attach(loop)
        timeout = _float_env("COG_SETUP_TIMEOUT", 0.0)
        if timeout > 0:
            loop.call_later(timeout, app.setup_timeout, timeout)

    max_body = max_body_bytes()
    try:
        server = loop.create_server(lambda: HttpProtocol(loop, app.handle, max_body), args.host, port)
    except OSError as exc:
        sys.stderr.write("cannot listen on %s:%s: %s\n" % (args.host, port, exc))
        if app.worker is not None:
            app.worker.kill()
        return 1

    _install_signals(loop, app, await_shutdown)
    import gc

    if hasattr(gc, "freeze"):
        gc.freeze()  # start-up objects never become garbage: keep them out of every collection
    try:
        loop.run_forever()
    except KeyboardInterrupt:
        pass
    server.close()
    if app.worker is not None:
        app.stopping = True
        app.worker.stop()
    _flush_webhooks(3.0)
    return exit_code[0]


def _install_signals(loop, app, await_shutdown):
    import signal

    def on_term():
        if await_shutdown:
            sys.stderr.write("got SIGTERM; ignoring it (--await-explicit-shutdown): POST /shutdown to stop\n")
            return
        app.draining = True
        if app.runner is None or not app.runner.active:
            app.stop(0)
        else:
            loop.call_later(_float_env("COG_SHUTDOWN_TIMEOUT", 30.0), app.stop, 0)

    loop.add_signal_handler(signal.SIGTERM, on_term)
    loop.add_signal_handler(signal.SIGINT, app.stop, 0)


def _flush_webhooks(limit):
    """Give terminal webhooks already queued a moment to go out before exiting."""
    from . import webhook

    pool = webhook._pool
    if pool is None:
        return
    deadline = time.monotonic() + limit
    pool.shutdown(wait=False)
    while time.monotonic() < deadline and any(t.is_alive() for t in list(getattr(pool, "_threads", ()))):
        time.sleep(0.02)


if __name__ == "__main__":
    code = main()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    finally:
        os._exit(code or 0)
