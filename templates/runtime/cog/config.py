"""Reading cog.yaml without a YAML library (the runtime is standard library only).

The server needs only a handful of top-level fields: `predict` (or its newer
name `run`), `train` and `concurrency.max`. This reader understands the YAML
subset real cog.yaml files use for those: block mappings by indentation,
plain/single/double-quoted scalars, comments, block sequences of scalars and
flow mappings/sequences of scalars (`concurrency: {max: 4}`). Anything fancier
(anchors, multi-line scalars) is skipped rather than misread: the builder has
already validated the file with a real parser before the image was made.

Environment overrides follow Cog: COG_PREDICT_TYPE_STUB / COG_TRAIN_TYPE_STUB
(refs) and COG_MAX_CONCURRENCY.
"""

import os
import re

__all__ = ["read_config", "parse_yaml_subset", "predictor_ref", "train_ref", "max_concurrency"]

_KEY = re.compile(r"^(?P<key>[^\s#'\"][^:#]*?|\"[^\"]*\"|'[^']*')\s*:(?:\s+|$)(?P<rest>.*)$")


def _strip_comment(text):
    """Remove a trailing ` # comment` that is not inside quotes."""
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


def _scalar(text):
    text = text.strip()
    if not text:
        return None
    if len(text) >= 2 and text[0] == text[-1] == '"':
        body = text[1:-1]
        try:
            import json

            return json.loads('"' + body + '"')
        except ValueError:
            return body
    if len(text) >= 2 and text[0] == text[-1] == "'":
        return text[1:-1].replace("''", "'")
    if text.startswith("{") and text.endswith("}"):
        out = {}
        for part in _split_flow(text[1:-1]):
            if ":" in part:
                k, v = part.split(":", 1)
                out[str(_scalar(k))] = _scalar(v)
        return out
    if text.startswith("[") and text.endswith("]"):
        return [_scalar(p) for p in _split_flow(text[1:-1])]
    low = text.lower()
    if low in ("null", "~"):
        return None
    if low in ("true", "yes", "on"):
        return True
    if low in ("false", "no", "off"):
        return False
    if re.match(r"^[-+]?\d+$", text):
        return int(text)
    if re.match(r"^[-+]?(\d+\.\d*|\.\d+|\d+)([eE][-+]?\d+)?$", text):
        return float(text)
    return text


def _split_flow(body):
    parts, depth, quote, cur = [], 0, None, ""
    for ch in body:
        if quote:
            cur += ch
            if ch == quote:
                quote = None
            continue
        if ch in ("'", '"'):
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            if cur.strip():
                parts.append(cur.strip())
            cur = ""
            continue
        cur += ch
    if cur.strip():
        parts.append(cur.strip())
    return parts


def parse_yaml_subset(text):
    """Parse the block-mapping subset of YAML described above into dicts/lists."""
    lines = []
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith("#") or raw.strip() in ("---", "..."):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        lines.append((indent, _strip_comment(raw.strip())))
    value, _ = _parse_block(lines, 0, 0)
    return value if isinstance(value, dict) else {}


def _parse_block(lines, i, indent):
    """Parse lines[i:] at exactly `indent`; return (value, next index)."""
    if i >= len(lines):
        return None, i
    if lines[i][1].startswith("- ") or lines[i][1] == "-":
        out = []
        while i < len(lines) and lines[i][0] == indent and (lines[i][1].startswith("- ") or lines[i][1] == "-"):
            item = lines[i][1][1:].strip()
            i += 1
            if item and not _KEY.match(item):
                out.append(_scalar(item))
            elif item:
                # "- key: value" item: treat as a one-line mapping plus nested lines
                m = _KEY.match(item)
                d = {str(_scalar(m.group("key"))): _scalar(m.group("rest"))}
                if i < len(lines) and lines[i][0] > indent:
                    nested, i = _parse_block(lines, i, lines[i][0])
                    if isinstance(nested, dict):
                        d.update(nested)
                out.append(d)
            else:
                if i < len(lines) and lines[i][0] > indent:
                    nested, i = _parse_block(lines, i, lines[i][0])
                    out.append(nested)
                else:
                    out.append(None)
        return out, i
    out = {}
    while i < len(lines) and lines[i][0] == indent:
        m = _KEY.match(lines[i][1])
        i += 1
        if not m:
            continue  # not a mapping line: skip (multi-line scalars etc.)
        key = str(_scalar(m.group("key")))
        rest = m.group("rest").strip()
        if rest in ("|", ">", "|-", ">-", "|+", ">+"):
            # block scalar: keep its lines joined, good enough for our fields
            chunk = []
            while i < len(lines) and lines[i][0] > indent:
                chunk.append(lines[i][1])
                i += 1
            out[key] = ("\n" if rest.startswith("|") else " ").join(chunk)
            continue
        if rest:
            out[key] = _scalar(rest)
            # skip stray deeper lines (continuations of a plain multi-line scalar)
            while i < len(lines) and lines[i][0] > indent:
                i += 1
            continue
        if i < len(lines) and (lines[i][0] > indent or (lines[i][0] == indent and lines[i][1].startswith("-"))):
            out[key], i = _parse_block(lines, i, lines[i][0])
        else:
            out[key] = None
    # lines deeper than expected but not attached: skip them
    while i < len(lines) and lines[i][0] > indent:
        i += 1
    return out, i


def read_config(path="cog.yaml"):
    """Return cog.yaml as a dict ({} when the file does not exist)."""
    try:
        with open(path, encoding="utf-8") as fh:
            text = fh.read()
    except FileNotFoundError:
        return {}
    return parse_yaml_subset(text)


def predictor_ref(config, mode="predict"):
    """The ref the server runs in `mode` ("predict" or "train"), or None."""
    if mode == "train":
        return os.environ.get("COG_TRAIN_TYPE_STUB") or _str(config.get("train"))
    return os.environ.get("COG_PREDICT_TYPE_STUB") or _str(config.get("run")) or _str(config.get("predict"))


def train_ref(config):
    return predictor_ref(config, "train")


def max_concurrency(config):
    """concurrency.max from cog.yaml (or COG_MAX_CONCURRENCY); None when unset."""
    env = os.environ.get("COG_MAX_CONCURRENCY")
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            pass
    conc = config.get("concurrency")
    if isinstance(conc, dict) and conc.get("max") is not None:
        try:
            return max(1, int(conc["max"]))
        except (TypeError, ValueError):
            return None
    return None


def _str(value):
    return value if isinstance(value, str) and value else None
