"""python -m cog.command.openapi_schema [--train] [--predictor REF] [--config PATH]

Prints the model's OpenAPI document (what `build` stores in the image label),
like Cog's command of the same name: the same document as /openapi.json, with
`title` removed next to `$ref` (Cog does that for stricter OpenAPI tools).
Anything the user's code prints while loading goes to stderr, so stdout holds
the JSON only. On failure: the traceback on stderr, exit status 1.
"""

import argparse
import contextlib
import json
import sys
import traceback


def remove_title_next_to_ref(node):
    if isinstance(node, dict):
        if "$ref" in node:
            node.pop("title", None)
        for value in node.values():
            remove_title_next_to_ref(value)
    elif isinstance(node, list):
        for value in node:
            remove_title_next_to_ref(value)
    return node


def _read_config(path):
    try:
        from cog.config import read_config
    except ImportError:  # pragma: no cover - config.py ships with the runtime
        return {}
    return read_config(path)


def _refs(config, args):
    predict = args.predictor or config.get("run") or config.get("predict")
    train = config.get("train")
    if args.train:
        if not train:
            raise SystemExit("cog.yaml has no `train:` entry")
        return train, "train", predict
    if not predict:
        raise SystemExit("cog.yaml has no `predict:` (or `run:`) entry; pass --predictor FILE.py:NAME")
    return predict, "predict", train


def build_schema(ref, mode, other_ref):
    from cog.predictor import load_predictor

    loaded = load_predictor(ref, mode=mode, other_ref=other_ref)
    return remove_title_next_to_ref(loaded.signature.openapi())


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m cog.command.openapi_schema", description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", action="store_true", help="describe the trainer (train:) as the primary side")
    parser.add_argument("--predictor", metavar="REF", help="FILE.py:NAME to describe instead of cog.yaml's predict:")
    parser.add_argument("--config", default="cog.yaml", help="path of cog.yaml (default: ./cog.yaml)")
    args = parser.parse_args(argv)
    try:
        config = _read_config(args.config)
        ref, mode, other = _refs(config, args)
        with contextlib.redirect_stdout(sys.stderr):
            schema = build_schema(ref, mode, other)
    except SystemExit as exc:
        if isinstance(exc.code, str):
            sys.stderr.write("error: %s\n" % exc.code)
            return 1
        traceback.print_exc()
        return 1
    except BaseException:  # noqa: B902 - user code may raise anything while importing
        traceback.print_exc()
        return 1
    sys.stdout.write(json.dumps(schema, indent=2) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
