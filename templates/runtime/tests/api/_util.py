"""Helpers shared by the API tests."""

import contextlib
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME = os.path.dirname(os.path.dirname(HERE))
REPO = os.path.dirname(os.path.dirname(RUNTIME))
PREDICTORS = os.path.join(HERE, "predictors")
# The conformance bench lives next to the repository (../shared), like the corpus.
CONFORMANCE = os.environ.get("EDGECOG_CONFORMANCE") or os.path.join(
    os.environ.get("EDGECOG_SHARED_DIR") or os.path.join(os.path.dirname(REPO), "shared"), "conformance"
)
GOLDEN = os.path.join(CONFORMANCE, "golden", "v0.16.12-pydantic2")
FIXTURES = os.path.join(CONFORMANCE, "fixtures")

if RUNTIME not in sys.path:
    sys.path.insert(0, RUNTIME)
sys.dont_write_bytecode = True  # never leave __pycache__ in the shared fixtures


@contextlib.contextmanager
def cwd(path):
    old = os.getcwd()
    os.chdir(path)
    try:
        yield
    finally:
        os.chdir(old)


def load(ref, **kwargs):
    from cog.predictor import load_predictor

    path, _, name = ref.partition(":")
    full = os.path.join(PREDICTORS, path)
    return load_predictor(full + (":" + name if name else ""), **kwargs)


def golden(fixture):
    with open(os.path.join(GOLDEN, fixture + ".json"), encoding="utf-8") as fh:
        return json.load(fh)


def golden_step(fixture, label):
    data = golden(fixture)
    for case in data["cases"].values():
        for step in case["steps"]:
            if step.get("label") == label:
                return step
    raise KeyError("%s has no step %r" % (fixture, label))


def diff(ours, theirs, path=""):
    """Human-readable differences between two JSON values (1 == 1.0)."""
    out = []
    if isinstance(ours, dict) and isinstance(theirs, dict):
        for key in sorted(set(ours) | set(theirs)):
            where = "%s/%s" % (path, key)
            if key not in ours:
                out.append("%s: missing (expected %s)" % (where, json.dumps(theirs[key])[:300]))
            elif key not in theirs:
                out.append("%s: unexpected %s" % (where, json.dumps(ours[key])[:300]))
            else:
                out.extend(diff(ours[key], theirs[key], where))
    elif isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        for index, (a, b) in enumerate(zip(ours, theirs)):
            out.extend(diff(a, b, "%s/%d" % (path, index)))
    elif ours != theirs or isinstance(ours, bool) != isinstance(theirs, bool):
        out.append("%s: got %s, expected %s" % (path or "/", json.dumps(ours)[:300], json.dumps(theirs)[:300]))
    return out
