"""What `edgecog doctor` needs to know about one predictor file, read with `ast` (no import).

    python3 doctor_scan.py --project DIR --file predict.py --target Predictor=predict [--target train=train]
                           [--fix CHECK[,CHECK]] [--migrate-class Predictor]

stdout: one JSON document:
  {"file", "syntax_error": {line, col, message} | null, "facts": {classes, functions, targets},
   "findings": [{check, severity, message, line, col, hint, fixable}],
   "fix": {"source": NEW TEXT, "applied": [check...], "refused": {check: reason}} (with --fix)}
Host python3 only (3.8+, standard library); never copied into images.
"""
import argparse
import ast
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _edgecog_doctor_checks import scan  # noqa: E402
from _edgecog_doctor_fix import Refused, migrate_predict_to_run, remove_deprecated_imports, replace_pydantic_basemodel  # noqa: E402
from _edgecog_doctor_source import Source  # noqa: E402

FIXERS = {
    "python-pydantic-basemodel": replace_pydantic_basemodel,
    "python-deprecated-imports": remove_deprecated_imports,
}


def main(argv=None):
    parser = argparse.ArgumentParser()
    parser.add_argument("--project", default=".")
    parser.add_argument("--file", required=True)
    parser.add_argument("--target", action="append", default=[], help="NAME=predict|train")
    parser.add_argument("--fix", default="", help="comma-separated check ids to rewrite")
    parser.add_argument("--migrate-class", help="predict-to-run: rename this class to Runner, predict() to run()")
    args = parser.parse_args(argv)
    targets = []
    for t in args.target:
        name, _, mode = t.partition("=")
        targets.append((name, mode or "predict"))
    path = os.path.join(args.project, args.file)
    out = {"file": args.file, "syntax_error": None, "facts": None, "findings": []}
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        out["read_error"] = exc.strerror
        print(json.dumps(out))
        return 0
    text = raw.decode("utf-8", "replace")
    try:
        tree = ast.parse(raw, filename=args.file)
    except SyntaxError as exc:
        out["syntax_error"] = {"line": exc.lineno or 0, "col": exc.offset or 0, "message": exc.msg}
        print(json.dumps(out))
        return 0
    src = Source(text)
    findings, facts = scan(src, tree, args.file, targets)
    out["facts"] = facts
    if args.migrate_class:
        # The starter shape can be migrated: say so on the findings it covers.
        try:
            migrate_predict_to_run(text, args.migrate_class)
            for f in findings:
                if f["check"] == "predict-to-run":
                    f["fixable"] = True
        except Refused as exc:
            out["migration_refused"] = str(exc)
    out["findings"] = findings
    wanted = [c for c in args.fix.split(",") if c]
    if wanted or args.migrate_class:
        fixed, applied, refused = text, [], {}
        for check in wanted:
            fixer = FIXERS.get(check)
            if fixer is None or not any(f["check"] == check for f in findings):
                continue
            try:
                fixed = fixer(fixed)
                applied.append(check)
            except Refused as exc:
                refused[check] = str(exc)
        if args.migrate_class and "predict-to-run" in wanted:
            try:
                fixed = migrate_predict_to_run(fixed, args.migrate_class)
                applied.append("predict-to-run")
            except Refused as exc:
                refused["predict-to-run"] = str(exc)
        if fixed != text:
            try:
                compile(fixed, args.file, "exec")
            except SyntaxError as exc:  # never write a file that no longer parses
                fixed, applied = text, []
                refused["*"] = "the rewrite would not parse (%s); nothing changed" % exc.msg
        out["fix"] = {"source": fixed, "applied": applied, "refused": refused}
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
