"""Input validation with pydantic-2 style errors (what Cog 0.16 answers in 422s).

`check(field, value, loc, build)` validates one value against a Field. In
check mode (build=None) it returns the JSON form of the value; in build mode
(build=a Builder) it returns the Python object predict() receives (Path files
written to disk, Secret objects, ...).
"""

import math
import re

_TRUE = {"1", "on", "t", "true", "y", "yes"}
_FALSE = {"0", "off", "f", "false", "n", "no"}
_INT_RE = re.compile(r"^[+-]?\d(?:_?\d)*(?:\.0*)?$")


class Invalid(Exception):
    """Carries a list of error dicts for one value."""

    def __init__(self, errors):
        Exception.__init__(self, errors)
        self.errors = errors


def error(kind, loc, msg, value, ctx=None):
    err = {"type": kind, "loc": list(loc), "msg": msg, "input": value}
    if ctx is not None:
        err["ctx"] = ctx
    return err


def fmt_number(value):
    """Numbers in messages as pydantic-core prints them (0.0 -> 0, 2.5 -> 2.5)."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        text = repr(value)
        if "e" in text:
            text = ("%.20f" % value).rstrip("0").rstrip(".")
        return text
    return str(value)


def fmt_expected(values):
    """'a', 'b' or 'c' / 1, 2 or 3 (pydantic's enum/literal wording)."""
    shown = [repr(v) if isinstance(v, str) else fmt_number(v) for v in values]
    if len(shown) <= 1:
        return "".join(shown)
    return "%s or %s" % (", ".join(shown[:-1]), shown[-1])


def _plural(count, word):
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


# ---------------------------------------------------------------- scalars


def to_str(value, loc):
    if isinstance(value, str):
        return value
    raise Invalid([error("string_type", loc, "Input should be a valid string", value)])


def to_int(value, loc):
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise Invalid([error("finite_number", loc, "Input should be a finite number", value)])
        if value.is_integer():
            if abs(value) >= 2**63:  # pydantic-core parses floats into i64
                raise Invalid(
                    [error("int_parsing_size", loc, "Unable to parse input string as an integer, exceeded maximum size", value)]
                )
            return int(value)
        raise Invalid(
            [error("int_from_float", loc, "Input should be a valid integer, got a number with a fractional part", value)]
        )
    if isinstance(value, str):
        text = value.strip()
        if _INT_RE.match(text):
            return int(text.split(".", 1)[0])
        raise Invalid(
            [error("int_parsing", loc, "Input should be a valid integer, unable to parse string as an integer", value)]
        )
    raise Invalid([error("int_type", loc, "Input should be a valid integer", value)])


def to_float(value, loc):
    if isinstance(value, (bool, int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            raise Invalid(
                [error("float_parsing", loc, "Input should be a valid number, unable to parse string as a number", value)]
            ) from None
    raise Invalid([error("float_type", loc, "Input should be a valid number", value)])


def to_bool(value, loc):
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        if value in (0, 1):
            return bool(value)
        raise Invalid([error("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", value)])
    if isinstance(value, float):
        if value in (0.0, 1.0):
            return bool(value)
        if value.is_integer() and abs(value) < 2**63:
            raise Invalid([error("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", value)])
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise Invalid([error("bool_parsing", loc, "Input should be a valid boolean, unable to interpret input", value)])
    raise Invalid([error("bool_type", loc, "Input should be a valid boolean", value)])


_SCALAR = {"str": to_str, "int": to_int, "float": to_float, "bool": to_bool}


def _strict_ok(info, value):
    """Exact-type match, the first pass of pydantic's smart unions."""
    kind = info.kind
    if value is None:
        return info.nullable
    if kind in ("str", "secret"):
        return isinstance(value, str)
    if kind == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "float":
        return isinstance(value, float)
    if kind == "bool":
        return isinstance(value, bool)
    if kind == "literal":
        return any(type(v) is type(value) and v == value for v in info.values)
    if kind == "list":
        return isinstance(value, list) and all(_strict_ok(info.item, v) for v in value)
    if kind in ("path", "file"):
        return isinstance(value, str) and value.split(":", 1)[0].lower() in ("data", "http", "https")
    if kind == "any":
        return True
    if kind == "union":
        return any(_strict_ok(o, value) for o in info.options)
    return False


def _union_tag(info):
    if info.kind == "list":
        return "list[%s]" % _union_tag(info.item)
    if info.kind == "literal":
        return "literal[%s]" % ",".join(repr(v) for v in info.values)
    return {"path": "function-plain[validate()]", "file": "function-plain[validate()]", "secret": "str"}.get(
        info.kind, info.kind
    )


# ---------------------------------------------------------------- files


def _check_url(cls_name, value, loc):
    """Validate a file URL like cog.Path.validate; errors shaped like pydantic's."""
    message = None
    if not isinstance(value, str):
        message = "Value error, expected a URL string, got %s" % type(value).__name__
    else:
        scheme = value.split(":", 1)[0].lower() if ":" in value else ""
        if scheme == "data":
            from ._files import decode_data_uri

            try:
                decode_data_uri(value)
            except Exception as exc:  # binascii.Error and friends
                message = "Value error, %s" % exc
        elif scheme not in ("http", "https"):
            from urllib.parse import urlparse

            message = "Value error, '%s' is not a valid URL scheme. 'data', 'http', or 'https' is supported." % (
                urlparse(value).scheme
            )
    if message is None:
        return value
    raise Invalid(
        [
            error(
                "is_instance_of",
                list(loc) + ["is-instance[%s]" % cls_name],
                "Input should be an instance of %s" % cls_name,
                value,
                {"class": cls_name},
            ),
            error("value_error", list(loc) + ["function-plain[validate()]"], message, value, {"error": {}}),
        ]
    )


# ---------------------------------------------------------------- types


def check_type(info, value, loc, build):
    if value is None and info.nullable:
        return None
    kind = info.kind
    if kind in _SCALAR:
        return _SCALAR[kind](value, loc)
    if kind == "secret":
        text = to_str(value, loc)
        return build.secret(text) if build is not None else text
    if kind in ("path", "file"):
        url = _check_url("Path" if kind == "path" else "IOBase", value, loc)
        return build.file(kind, url) if build is not None else url
    if kind == "literal":
        for candidate in info.values:
            if candidate == value and (type(candidate) is type(value) or (type(candidate) is int and type(value) is bool)):
                return candidate
        expected = fmt_expected(info.values)
        raise Invalid([error("literal_error", loc, "Input should be %s" % expected, value, {"expected": expected})])
    if kind == "list":
        if not isinstance(value, list):
            raise Invalid([error("list_type", loc, "Input should be a valid list", value)])
        out, errors = [], []
        for index, item in enumerate(value):
            try:
                out.append(check_type(info.item, item, list(loc) + [index], build))
            except Invalid as exc:
                errors.extend(exc.errors)
        if errors:
            raise Invalid(errors)
        return out
    if kind == "union":
        for option in info.options:
            if _strict_ok(option, value):
                try:
                    return check_type(option, value, loc, build)
                except Invalid:
                    pass
        errors = []
        for option in info.options:
            try:
                return check_type(option, value, loc, build)
            except Invalid as exc:
                for err in exc.errors:
                    err["loc"] = list(loc) + [_union_tag(option)] + err["loc"][len(loc):]
                errors.extend(exc.errors)
        raise Invalid(errors)
    if kind == "any":
        return value
    raise Invalid([error("value_error", loc, "Value error, unsupported input type", value, {"error": {}})])


def check_choices(field, value, loc):
    choices = field.choices
    if field.info.kind == "int":
        try:
            candidate = to_int(value, loc)
        except Invalid:
            candidate = None
        if candidate is not None and candidate in choices:
            return candidate
    elif isinstance(value, str) and value in choices:
        return value
    expected = fmt_expected(choices)
    raise Invalid([error("enum", loc, "Input should be %s" % expected, value, {"expected": expected})])


def check_constraints(field, value, loc):
    """ge/le, min/max length and regex on an already-typed value."""
    if value is None:
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if field.le is not None and value > field.le:
            raise Invalid(
                [error("less_than_equal", loc, "Input should be less than or equal to %s" % fmt_number(field.le), value, {"le": field.le})]
            )
        if field.ge is not None and value < field.ge:
            raise Invalid(
                [error("greater_than_equal", loc, "Input should be greater than or equal to %s" % fmt_number(field.ge), value, {"ge": field.ge})]
            )
    elif isinstance(value, str) and field.info.kind == "str":
        length = len(value)
        if field.min_length is not None and length < field.min_length:
            raise Invalid(
                [error("string_too_short", loc, "String should have at least %s" % _plural(field.min_length, "character"), value, {"min_length": field.min_length})]
            )
        if field.max_length is not None and length > field.max_length:
            raise Invalid(
                [error("string_too_long", loc, "String should have at most %s" % _plural(field.max_length, "character"), value, {"max_length": field.max_length})]
            )
        if field.regex is not None and field.pattern.search(value) is None:
            raise Invalid(
                [error("string_pattern_mismatch", loc, "String should match pattern '%s'" % field.regex, value, {"pattern": field.regex})]
            )
    elif isinstance(value, list):
        length = len(value)
        if field.min_length is not None and length < field.min_length:
            raise Invalid(
                [error("too_short", loc, "List should have at least %s after validation, not %d" % (_plural(field.min_length, "item"), length), value,
                       {"field_type": "List", "min_length": field.min_length, "actual_length": length})]
            )
        if field.max_length is not None and length > field.max_length:
            raise Invalid(
                [error("too_long", loc, "List should have at most %s after validation, not %d" % (_plural(field.max_length, "item"), length), value,
                       {"field_type": "List", "max_length": field.max_length, "actual_length": length})]
            )
    return value


def check(field, value, loc, build=None):
    """Validate one provided input value; raises Invalid."""
    if field.choices:
        if value is None and field.info.nullable:
            return None
        return check_choices(field, value, loc)
    typed = check_type(field.info, value, loc, build)
    check_constraints(field, typed, loc)
    return typed
