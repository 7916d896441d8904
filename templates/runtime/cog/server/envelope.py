"""Parsing and checking the prediction request envelope, with pydantic-2 style errors.

The envelope is `{input, id, created_at, context, webhook, webhook_events_filter,
output_file_prefix}`; the inputs themselves are checked by the worker against
the predictor's signature. Error shapes follow what Cog's FastAPI server says
(`loc`, `msg`, `type`, `input`, `ctx`), so clients that parse them keep working.
"""

import json
import urllib.parse
from datetime import datetime

EVENTS = ("start", "output", "logs", "completed")


def _err(kind, loc, msg, value, ctx=None):
    doc = {"type": kind, "loc": loc, "msg": msg, "input": value}
    if ctx is not None:
        doc["ctx"] = ctx
    return doc


def parse_body(raw, content_type, required):
    """(body, errors): the decoded JSON body (None when empty) or 422 details."""
    if not raw:
        if required:
            return None, [_err("missing", ["body"], "Field required", None)]
        return None, None
    ctype = (content_type or "").split(";")[0].strip().lower()
    is_json = not ctype or ctype == "application/json" or (ctype.startswith("application/") and ctype.endswith("+json"))
    if not is_json:
        # FastAPI does not decode such a body; it reaches validation as a string
        text = raw.decode("utf-8", "replace")
        return None, [_err("model_attributes_type", ["body"], "Input should be a valid dictionary or object to extract fields from", text)]
    try:
        body = json.loads(raw.decode("utf-8"))  # str: json skips its encoding detection
    except UnicodeDecodeError:
        return None, [_err("json_invalid", ["body", 0], "JSON decode error", {}, {"error": "Invalid UTF-8"})]
    except ValueError as exc:
        return None, [_err("json_invalid", ["body", getattr(exc, "pos", 0)], "JSON decode error", {}, {"error": getattr(exc, "msg", str(exc))})]
    return body, None


def check_url(value, loc):
    if not isinstance(value, str):
        return _err("url_type", loc, "URL input should be a string or URL", value)
    parts = urllib.parse.urlsplit(value.strip())
    if not parts.scheme:
        return _err("url_parsing", loc, "Input should be a valid URL, relative URL without a base", value, {"error": "relative URL without a base"})
    if parts.scheme not in ("http", "https"):
        return _err("url_scheme", loc, "URL scheme should be 'http' or 'https'", value, {"expected_schemes": "'http' or 'https'"})
    if not parts.hostname:
        return _err("url_parsing", loc, "Input should be a valid URL, empty host", value, {"error": "empty host"})
    try:
        parts.port
    except ValueError:
        return _err("url_parsing", loc, "Input should be a valid URL, invalid port number", value, {"error": "invalid port number"})
    return None


def _check_datetime(value, loc):
    if isinstance(value, str):
        text = value.strip()
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        try:
            datetime.fromisoformat(text)
            return None
        except ValueError:
            # fromisoformat before 3.11 refuses some valid forms (e.g. 3-digit fractions)
            import re

            if re.match(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:?\d{2})?)?$", text):
                return None
        return _err("datetime_from_date_parsing", loc, "Input should be a valid datetime or date, invalid character", value, {"error": "invalid character"})
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return None
    return _err("datetime_type", loc, "Input should be a valid datetime", value)


def check_request(body, url_id=None):
    """(request dict, errors). `url_id`: the id in a PUT URL."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        return None, [_err("model_attributes_type", ["body"], "Input should be a valid dictionary or object to extract fields from", body)]
    errors = []
    inp = body.get("input")
    if inp is not None and not isinstance(inp, dict):
        errors.append(_err("model_attributes_type", ["body", "input"], "Input should be a valid dictionary or object to extract fields from", inp))
    pid = body.get("id")
    if pid is not None and not isinstance(pid, str):
        errors.append(_err("string_type", ["body", "id"], "Input should be a valid string", pid))
    created = body.get("created_at")
    if created is not None:
        e = _check_datetime(created, ["body", "created_at"])
        if e:
            errors.append(e)
    ctx = body.get("context")
    if ctx is not None:
        if not isinstance(ctx, dict):
            errors.append(_err("dict_type", ["body", "context"], "Input should be a valid dictionary", ctx))
        else:
            for k, v in ctx.items():
                if not isinstance(v, str):
                    errors.append(_err("string_type", ["body", "context", k], "Input should be a valid string", v))
    prefix = body.get("output_file_prefix")
    if prefix is not None and not isinstance(prefix, str):
        errors.append(_err("string_type", ["body", "output_file_prefix"], "Input should be a valid string", prefix))
    hook = body.get("webhook")
    if hook is not None:
        e = check_url(hook, ["body", "webhook"])
        if e:
            errors.append(e)
    filt = body.get("webhook_events_filter")
    if filt is not None:
        if not isinstance(filt, list):
            errors.append(_err("list_type", ["body", "webhook_events_filter"], "Input should be a valid list", filt))
        else:
            for i, ev in enumerate(filt):
                if ev not in EVENTS:
                    errors.append(_err("enum", ["body", "webhook_events_filter", i], "Input should be 'start', 'output', 'logs' or 'completed'", ev,
                                       {"expected": "'start', 'output', 'logs' or 'completed'"}))
    if errors:
        return None, errors
    if url_id is not None and pid is not None and pid != url_id:
        return None, None  # the caller reports the id mismatch with its own wording
    req = {
        "input": inp,
        "id": pid if pid is not None else url_id,
        "created_at": created,
        "context": ctx,
        "webhook": hook.strip() if isinstance(hook, str) else None,
        "webhook_events_filter": filt,
        "output_file_prefix": prefix,
    }
    return req, None
