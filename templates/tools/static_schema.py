"""The OpenAPI schema of a Cog predictor, read from its source without importing it.

    python3 static_schema.py --project DIR --ref predict.py:Predictor [--mode predict|train]
                             [--runtime DIR] [--no-fallback] [--emit-source]

Run with the host python3 (3.8+, standard library only); nothing here is copied into images.
The predictor file is parsed with `ast`; its signature is rewritten as a synthetic module that
imports only `cog` and `typing`, and the runtime's own generator (templates/runtime) reads that,
so the document is the one the image's /openapi.json will serve. When the source names
something only an import can explain (a type from another package, a computed default), the
importing generator (`python -m cog.command.openapi_schema`) is tried instead.

stdout: one JSON document.
  {"ok": true, "source": "static"|"import", "schema": {...}}
  {"ok": false, "kind": "error"|"unresolved", "file", "line", "col", "message", "name"?, "import_error"?}
Exit 0 ok, 1 invalid signature (also printed as FILE:LINE:COL: error: ... on stderr),
3 not statically resolvable and the importing fallback failed or was disabled, 2 usage.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

from _edgecog_static_scope import StaticError, Unresolvable  # noqa: E402
from _edgecog_static_signature import synthesize  # noqa: E402

DEFAULT_RUNTIME = os.path.normpath(os.path.join(HERE, "..", "runtime"))


def split_ref(ref):
    if ":" not in ref:
        raise StaticError("invalid predict reference '%s' - expected file.py:ClassName or file.py:function_name" % ref)
    path, name = ref.rsplit(":", 1)
    if not path or not name:
        raise StaticError("invalid predict reference '%s' - expected file.py:ClassName or file.py:function_name" % ref)
    return path, name


def runtime_schema(synthetic, basename, name, mode, runtime_dir):
    """Hands the synthetic module to the runtime's generator (in this process)."""
    if runtime_dir not in sys.path:
        sys.path.insert(0, runtime_dir)
    from cog.predictor import load_predictor  # the runtime, not user code

    folder = tempfile.mkdtemp(prefix="edgecog-static-")
    path = os.path.join(folder, basename)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(synthetic)
    cwd = os.getcwd()
    os.chdir(folder)  # the runtime may look for cog.yaml in cwd; the synthetic dir has none
    try:
        predictor = load_predictor("%s:%s" % (path, name), mode=mode)
        return predictor.signature.openapi()
    finally:
        os.chdir(cwd)
        try:
            os.remove(path)
            os.rmdir(folder)
        except OSError:
            pass


def import_schema(project, ref, mode, runtime_dir, timeout):
    """The importing generator: runs the user's module with the host python3."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([runtime_dir, project] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    cmd = [sys.executable, "-m", "cog.command.openapi_schema", "--predictor", ref]
    if mode == "train":
        cmd.append("--train")
    try:
        proc = subprocess.run(cmd, cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "importing %s took longer than %ds" % (ref, timeout)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.decode("utf-8", "replace").strip().splitlines() if ln.strip()]
        return None, lines[-1] if lines else "exit status %d" % proc.returncode
    try:
        return json.loads(proc.stdout.decode("utf-8")), None
    except ValueError as exc:
        return None, "the importing generator printed no JSON (%s)" % exc


def line_for_runtime_error(message, param_lines, fn):
    """The runtime's message names a parameter (`options`, 'options'); point at its line."""
    for param, line in param_lines.items():
        if re.search(r"[`'\"]%s[`'\"]" % re.escape(param), message):
            return line, param
    return fn.lineno, None


def run(args):
    project = os.path.abspath(args.project)
    rel, name = split_ref(args.ref)
    path = os.path.join(project, rel)
    try:
        with open(path, "rb") as fh:
            source = fh.read()
    except OSError as exc:
        raise StaticError("%s: cannot read the predictor file (%s)" % (rel, exc.strerror), name=rel)
    synthetic, param_lines, fn = synthesize(source, rel, name, args.mode)
    if args.emit_source:
        sys.stdout.write(synthetic)
        return 0
    try:
        schema = runtime_schema(synthetic, os.path.basename(rel), name, args.mode, args.runtime)
    except ImportError as exc:
        raise Unresolvable("the runtime's schema generator is unavailable (%s)" % exc, fn.lineno, fn.col_offset + 1)
    except Exception as exc:  # the runtime refused the signature: so would the image
        message = str(exc) or type(exc).__name__
        line, param = line_for_runtime_error(message, param_lines, fn)
        raise StaticError(message, line, 1, name=param)
    emit({"ok": True, "source": "static", "schema": schema})
    return 0


def emit(doc):
    sys.stdout.write(json.dumps(doc))
    sys.stdout.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=".")
    parser.add_argument("--ref", required=True)
    parser.add_argument("--mode", choices=["predict", "train"], default="predict")
    parser.add_argument("--runtime", default=DEFAULT_RUNTIME)
    parser.add_argument("--no-fallback", action="store_true", help="never import user code")
    parser.add_argument("--emit-source", action="store_true", help="print the synthetic module and stop")
    parser.add_argument("--timeout", type=int, default=120, help="seconds for the importing fallback")
    args = parser.parse_args(argv)
    rel = args.ref.rsplit(":", 1)[0]
    try:
        return run(args)
    except StaticError as exc:
        emit({"ok": False, "kind": "error", "file": rel, "line": exc.line, "col": exc.col, "message": exc.message, "name": exc.name})
        location = "%s:%d:%d" % (rel, exc.line, max(exc.col, 1)) if exc.line else rel
        sys.stderr.write("%s: error: %s\n" % (location, exc.message))
        return 1
    except Unresolvable as exc:
        failure = {"ok": False, "kind": "unresolved", "file": rel, "line": exc.line, "col": exc.col, "message": exc.message, "name": exc.name}
        if not args.no_fallback:
            schema, import_error = import_schema(os.path.abspath(args.project), args.ref, args.mode, args.runtime, args.timeout)
            if schema is not None:
                emit({"ok": True, "source": "import", "schema": schema, "static_gap": failure})
                return 0
            failure["import_error"] = import_error
        emit(failure)
        location = "%s:%d" % (rel, exc.line) if exc.line else rel
        sys.stderr.write("%s: %s\n" % (location, exc.message))
        return 3


if __name__ == "__main__":
    sys.exit(main())
