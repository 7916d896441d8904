"""Output encoding: the predictor's return value -> JSON, files through an encoder.

Values are coerced the way Cog's response model (pydantic 2, lax mode) does,
and a mismatch raises OutputTypeError carrying pydantic's message text.
"""

import io
import os
import pathlib

from . import _schema_validate as v
from .model import BaseModel

_PYDANTIC_URL = "https://errors.pydantic.dev/2.13/v/"


class OutputTypeError(TypeError):
    """The output does not match the declared return type (the server answers 500)."""


def _describe(errors, model_title):
    lines = ["%d validation error%s for %s" % (len(errors), "" if len(errors) == 1 else "s", model_title)]
    for err in errors:
        lines.append(".".join(str(p) for p in err["loc"]))
        value = err["input"]
        lines.append(
            "  %s [type=%s, input_value=%r, input_type=%s]" % (err["msg"], err["type"], value, type(value).__name__)
        )
        lines.append("    For further information visit %s%s" % (_PYDANTIC_URL, err["type"]))
    return "\n".join(lines)


def _is_url(text):
    head = text[:8].lower()
    return head.startswith(("http://", "https://", "data:"))


def _file(value, encoder, loc):
    if isinstance(value, (pathlib.Path, io.IOBase)) or hasattr(value, "read"):
        return encoder(value)
    if isinstance(value, str):
        if _is_url(value):
            return value
        if os.path.exists(value):
            return encoder(pathlib.Path(value))
    raise v.Invalid([v.error("is_instance_of", loc, "Input should be an instance of Path", value, {"class": "Path"})])


def encode_any(value, encoder):
    """Best-effort JSON for untyped outputs (Any, dict, list items)."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (pathlib.Path, io.IOBase)):
        return encoder(value)
    if isinstance(value, dict):
        return {str(k): encode_any(item, encoder) for k, item in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [encode_any(item, encoder) for item in value]
    if isinstance(value, BaseModel):
        return {k: encode_any(item, encoder) for k, item in value.dict().items()}
    if hasattr(value, "get_secret_value"):
        return "**********" if value.get_secret_value() else ""
    dump = getattr(value, "model_dump", None) or getattr(value, "dict", None)
    if callable(dump) and type(value).__module__ != "builtins":
        try:
            return encode_any(dump(), encoder)
        except TypeError:
            pass
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    enum_value = getattr(value, "value", None)
    if enum_value is not None and type(value).__module__ != "builtins":
        return encode_any(enum_value, encoder)
    return str(value)


def encode(info, value, encoder, loc):
    if value is None:
        if info.nullable or info.kind in ("any", "none"):
            return None
    kind = info.kind
    if kind in v._SCALAR:
        return v._SCALAR[kind](value, loc)
    if kind in ("path", "file"):
        return _file(value, encoder, loc)
    if kind == "secret":
        if hasattr(value, "get_secret_value"):
            return "**********" if value.get_secret_value() else ""
        return "**********" if v.to_str(value, loc) else ""
    if kind == "list":
        if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
            raise v.Invalid([v.error("list_type", loc, "Input should be a valid list", value)])
        out, errors = [], []
        for index, item in enumerate(value):
            try:
                out.append(encode(info.item, item, encoder, loc + [index]))
            except v.Invalid as exc:
                errors.extend(exc.errors)
        if errors:
            raise v.Invalid(errors)
        return out
    if kind == "dict":
        if not isinstance(value, dict):
            raise v.Invalid([v.error("dict_type", loc, "Input should be a valid dictionary", value)])
        return encode_any(value, encoder)
    if kind == "model":
        return _model(info.cls, value, encoder, loc)
    if kind == "pydantic":
        return encode_any(value, encoder)
    if kind == "literal":
        for candidate in info.values:
            if candidate == value and type(candidate) is type(value):
                return candidate
        expected = v.fmt_expected(info.values)
        raise v.Invalid([v.error("literal_error", loc, "Input should be %s" % expected, value, {"expected": expected})])
    if kind == "union":
        errors = []
        for option in info.options:
            if v._strict_ok(option, value) or (option.kind == "model" and isinstance(value, option.cls)):
                try:
                    return encode(option, value, encoder, loc)
                except v.Invalid:
                    pass
        for option in info.options:
            try:
                return encode(option, value, encoder, loc)
            except v.Invalid as exc:
                errors.extend(exc.errors)
        raise v.Invalid(errors)
    if kind == "none":
        if value is None:
            return None
        raise v.Invalid([v.error("none_required", loc, "Input should be None", value)])
    return encode_any(value, encoder)


def _model(cls, value, encoder, loc):
    from ._schema_types import model_fields

    if isinstance(value, dict):
        getter = value.get
        present = value.__contains__
    elif isinstance(value, BaseModel) or hasattr(value, "__dict__"):
        getter = lambda name: getattr(value, name, None)  # noqa: E731
        present = lambda name: hasattr(value, name)  # noqa: E731
    else:
        raise v.Invalid(
            [v.error("model_type", loc, "Input should be a valid dictionary or instance of %s" % cls.__name__, value)]
        )
    out, errors = {}, []
    for name, info, default in model_fields(cls):
        if not present(name):
            if default is BaseModel.NO_DEFAULT:
                errors.append(v.error("missing", loc + [name], "Field required", value))
                continue
            item = default
        else:
            item = getter(name)
        try:
            out[name] = encode(info, item, encoder, loc + [name])
        except v.Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise v.Invalid(errors)
    return out


def encode_checked(info, value, encoder, loc, title):
    try:
        return encode(info, value, encoder, list(loc))
    except v.Invalid as exc:
        raise OutputTypeError(_describe(exc.errors, title)) from None
