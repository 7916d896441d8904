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
import shutil
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


def runtime_schema(files, ref, other_ref, mode, runtime_dir):
    """Hands the synthetic modules to the runtime's generator (in this process).

    files: {relative path: synthetic text}; ref/other_ref name targets by relative path."""
    if runtime_dir not in sys.path:
        sys.path.insert(0, runtime_dir)
    from cog.predictor import load_predictor  # the runtime, not user code

    root = tempfile.mkdtemp(prefix="edgecog-static-")
    where = {}
    for i, (rel, text) in enumerate(sorted(files.items())):
        folder = os.path.join(root, str(i))
        os.mkdir(folder)
        where[rel] = os.path.join(folder, os.path.basename(rel))
        with open(where[rel], "w", encoding="utf-8") as fh:
            fh.write(text)

    def local(r):
        rel, name = split_ref(r)
        return "%s:%s" % (where[rel], name)

    cwd = os.getcwd()
    os.chdir(root)  # the runtime may look for cog.yaml in cwd; there is none here
    try:
        try:
            # the same function `build` runs in the image for the schema label
            from cog.command.openapi_schema import build_schema
        except ImportError:
            predictor = load_predictor(local(ref), mode=mode, other_ref=local(other_ref) if other_ref else None)
            return predictor.signature.openapi()
        return build_schema(local(ref), mode, local(other_ref) if other_ref else None)
    finally:
        os.chdir(cwd)
        shutil.rmtree(root, ignore_errors=True)


def import_schema(project, ref, other_ref, mode, runtime_dir, timeout):
    """The importing generator: runs the user's module with the host python3."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([runtime_dir, project] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    # The command reads the other side (train: for a predictor) from ./cog.yaml, as in the image.
    cmd = [sys.executable, "-m", "cog.command.openapi_schema"]
    if mode == "train":
        cmd.append("--train")
        if other_ref:
            cmd.extend(["--predictor", other_ref])
    else:
        cmd.extend(["--predictor", ref])
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


def line_for_runtime_error(message, param_lines, nodes):
    """The runtime's message names a parameter (`options`, 'options'); point at its line."""
    for (target, param), (rel, line) in param_lines.items():
        if re.search(r"[`'\"]%s[`'\"]" % re.escape(param), message):
            return rel, line, param
    rel, fn = next(iter(nodes.values()))
    return rel, fn.lineno, None


def run(args):
    project = os.path.abspath(args.project)
    targets = [(args.ref, args.mode)]
    if args.other_ref:
        targets.append((args.other_ref, "train" if args.mode == "predict" else "predict"))
    by_file = {}
    for ref, mode in targets:
        rel, name = split_ref(ref)
        by_file.setdefault(rel, []).append((name, mode))
    files, param_lines, nodes = {}, {}, {}
    for rel, wanted in by_file.items():
        try:
            with open(os.path.join(project, rel), "rb") as fh:
                source = fh.read()
        except OSError as exc:
            raise located(StaticError("%s: cannot read the predictor file (%s)" % (rel, exc.strerror), name=rel), rel)
        try:
            text, lines, defs = synthesize(source, rel, wanted)
        except (StaticError, Unresolvable) as exc:
            raise located(exc, rel)
        files[rel] = text
        param_lines.update({k: (rel, v) for k, v in lines.items()})
        nodes.update({k: (rel, v) for k, v in defs.items()})
    if args.emit_source:
        for rel, text in sorted(files.items()):
            sys.stdout.write("# ---- %s\n%s" % (rel, text))
        return 0
    try:
        schema = runtime_schema(files, args.ref, args.other_ref, args.mode, args.runtime)
    except ImportError as exc:
        rel, fn = next(iter(nodes.values()))
        raise located(Unresolvable("the runtime's schema generator is unavailable (%s)" % exc, fn.lineno, fn.col_offset + 1), rel)
    except Exception as exc:  # the runtime refused the signature: so would the image
        message = str(exc) or type(exc).__name__
        rel, line, param = line_for_runtime_error(message, param_lines, nodes)
        raise located(StaticError(message, line, 1, name=param), rel)
    emit({"ok": True, "source": "static", "schema": schema})
    return 0


def located(exc, rel):
    exc.file = rel
    return exc


def emit(doc):
    sys.stdout.write(json.dumps(doc))
    sys.stdout.write("\n")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", default=".")
    parser.add_argument("--ref", required=True)
    parser.add_argument("--mode", choices=["predict", "train"], default="predict")
    parser.add_argument("--other-ref", help="the other side (train: for a predictor), described in the same document")
    parser.add_argument("--runtime", default=DEFAULT_RUNTIME)
    parser.add_argument("--no-fallback", action="store_true", help="never import user code")
    parser.add_argument("--emit-source", action="store_true", help="print the synthetic module and stop")
    parser.add_argument("--timeout", type=int, default=120, help="seconds for the importing fallback")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except StaticError as exc:
        rel = getattr(exc, "file", None) or args.ref.rsplit(":", 1)[0]
        emit({"ok": False, "kind": "error", "file": rel, "line": exc.line, "col": exc.col, "message": exc.message, "name": exc.name})
        location = "%s:%d:%d" % (rel, exc.line, max(exc.col, 1)) if exc.line else rel
        sys.stderr.write("%s: error: %s\n" % (location, exc.message))
        return 1
    except Unresolvable as exc:
        rel = getattr(exc, "file", None) or args.ref.rsplit(":", 1)[0]
        failure = {"ok": False, "kind": "unresolved", "file": rel, "line": exc.line, "col": exc.col, "message": exc.message, "name": exc.name}
        if not args.no_fallback:
            schema, import_error = import_schema(os.path.abspath(args.project), args.ref, args.other_ref, args.mode, args.runtime, args.timeout)
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
