"""A predictor's signature: inputs, output, OpenAPI document, validation, encoding.

See INTERFACE.md for how the server uses it.
"""

import inspect
import re

from . import _schema_validate as _v
from ._files import data_uri_encoder  # noqa: F401 - re-exported for the server
from ._schema_document import document as _document
from ._schema_openapi import input_component, jsonable, output_component
from ._schema_output import OutputTypeError, encode_checked  # noqa: F401 - OutputTypeError is public
from ._schema_types import (
    iterator_kind,
    missing_input_type,
    parse_input_type,
    parse_output_type,
    resolve_hints,
)
from .types import FieldInfo, Secret

SECRET_MASK = "**********"
_EMPTY = inspect.Parameter.empty


class Field:
    """One input: its type and the constraints from Input(...)."""

    def __init__(self, name, info, order, annotation, spec=None, default=_EMPTY):
        self.name = name
        self.info = info
        self.order = order
        self.annotation = annotation
        spec = spec or FieldInfo()
        if default is _EMPTY:
            default = spec.default
        self.has_default = default is not Ellipsis and default is not _EMPTY
        if not self.has_default and info.nullable:
            # Optional[...] without a default means "may be omitted" (None).
            self.has_default, default = True, None
        self.default = default if self.has_default else None
        self.description = spec.description
        self.ge, self.le = spec.ge, spec.le
        self.min_length, self.max_length = spec.min_length, spec.max_length
        self.regex = spec.regex
        self.pattern = re.compile(spec.regex) if spec.regex is not None else None
        self.choices = list(spec.choices) if spec.choices else None
        self.deprecated = spec.deprecated
        if self.choices and (info.nullable or info.kind not in ("str", "int")):
            raise TypeError(
                "The input %s uses the option choices. Choices can only be used with str or int types." % name
            )

    def __repr__(self):
        return "Field(%s, %r)" % (self.name, self.info)


class Output:
    """The declared return type: `info` is the item type for iterators."""

    def __init__(self, annotation, info, iterator):
        self.annotation = annotation
        self.info = info
        self.iterator = iterator  # None or (is_async, concatenate, item_annotation)


def _output_missing_message(method):
    return (
        "You must set an output type. If your model can return multiple output types, you can explicitly "
        "set `Any` as the output type.\n\nFor example:\n\n    from typing import Any\n\n    def %s(\n"
        "        self,\n        image: Path = Input(description=\"Input image\"),\n    ) -> Any:\n        ...\n" % method
    )


class _Builder:
    """Turns validated JSON values into predict() arguments (build mode)."""

    def __init__(self, tmpdir):
        self.tmpdir = tmpdir
        self.paths = []

    def secret(self, text):
        return Secret(text)

    def file(self, kind, url):
        from .types import File, Path

        if kind == "file":
            return File.validate(url)
        url_path = Path.validate(url)
        path = url_path.convert(self.tmpdir) if hasattr(url_path, "convert") else url_path
        self.paths.append(path)
        return path


class Signature:
    """What the server needs to know about predict()/train() (see INTERFACE.md)."""

    def __init__(self, fields, output, mode="predict", allow_extra=False):
        self.fields = fields
        self.output = output
        self.mode = mode
        self.allow_extra = allow_extra
        self._by_name = {f.name: f for f in fields}
        self.other = None  # the predict signature in train mode, and vice versa
        self.streaming = False  # @cog.streaming: x-cog-streaming on POST /predictions

    # ------------------------------------------------------------ schema

    @property
    def output_is_iterator(self):
        return self.output.iterator is not None

    @property
    def output_is_async_iterator(self):
        return self.output.iterator is not None and self.output.iterator[0]

    def attach(self, other):
        """Make openapi() describe both sides (predict + train) like Cog does."""
        self.other = other
        if other is not None:
            other.other = self

    def openapi(self, train=None, predict=None):
        """The full /openapi.json document. `train`/`predict` name the other
        side's Signature when it was not attached (load_predictor other_ref=)."""
        if self.mode == "predict":
            predict, train = self, train if train is not None else self.other
        else:
            predict, train = predict if predict is not None else self.other, self
        schemas = {}
        if predict is not None:
            schemas["Input"] = input_component(predict.fields, "Input", schemas)
            schemas["Output"] = output_component(predict.output, "Output", schemas)
        else:
            schemas.update(_fallback_schemas())
        if train is not None:
            train_defs = {}
            schemas["TrainingInput"] = input_component(train.fields, "TrainingInput", train_defs)
            schemas["TrainingOutput"] = output_component(train.output, "TrainingOutput", train_defs)
            for name, schema in train_defs.items():
                schemas.setdefault(name, schema)
        doc = _document(schemas, training=train is not None)
        if predict is not None and predict.streaming:
            doc["paths"]["/predictions"]["post"]["x-cog-streaming"] = True
        return doc

    # ------------------------------------------------------------ input

    def validate_input(self, payload):
        """(True, values) or (False, errors) for the request's `input` object."""
        if payload is None:
            payload = {}
        base = "body", "input"
        if not isinstance(payload, dict):
            return False, [
                _v.error(
                    "model_attributes_type",
                    list(base),
                    "Input should be a valid dictionary or object to extract fields from",
                    payload,
                )
            ]
        values, errors = {}, []
        for field in self.fields:
            loc = [base[0], base[1], field.name]
            if field.name not in payload:
                if field.has_default:
                    values[field.name] = jsonable(field.default)
                else:
                    errors.append(_v.error("missing", loc, "Field required", payload))
                continue
            try:
                values[field.name] = _v.check(field, payload[field.name], loc)
            except _v.Invalid as exc:
                errors.extend(exc.errors)
        if errors:
            return False, errors
        if self.allow_extra:
            for key, value in payload.items():
                if key not in self._by_name:
                    values[key] = value
        return True, values

    def public_input(self, values):
        """The `input` echoed in responses: secrets masked."""
        out = dict(values)
        for field in self.fields:
            if field.info.kind == "secret" and out.get(field.name) is not None:
                out[field.name] = SECRET_MASK
            elif field.info.kind in ("list", "union") and _has_secret(field.info) and out.get(field.name) is not None:
                out[field.name] = _mask(field.info, out[field.name])
        return out

    def prepare_input(self, values, tmpdir=None):
        """predict() keyword arguments from validated values; files land in tmpdir.

        Raises ValueError (e.g. cog._files.DownloadError) when a URL cannot be fetched.
        """
        builder = _Builder(tmpdir)
        kwargs = {}
        for name, value in values.items():
            field = self._by_name.get(name)
            if field is None:
                kwargs[name] = value
                continue
            if value is None:
                kwargs[name] = None
                continue
            try:
                kwargs[name] = _v.check(field, value, [name], builder)
            except _v.Invalid as exc:
                if field.has_default and value == jsonable(field.default):
                    # Defaults are not validated (as in Cog): pass them through,
                    # a local path default as a cog.Path.
                    kwargs[name] = _default_value(field)
                    continue
                raise ValueError("invalid value for input %r: %s" % (name, exc.errors[0]["msg"])) from None
        return kwargs

    # ------------------------------------------------------------ output

    @property
    def _output_title(self):
        return "PredictionResponse" if self.mode == "predict" else "TrainingResponse"

    def encode_output(self, value, file_encoder=data_uri_encoder):
        """JSON-able output; raises OutputTypeError on a type mismatch."""
        return encode_checked(self.output.info, value, file_encoder, ["output"], self._output_title)

    def encode_output_item(self, item, file_encoder=data_uri_encoder, index=0):
        """One item of an iterator output."""
        return encode_checked(self.output.info, item, file_encoder, ["output", index], self._output_title)


def _default_value(field):
    default = field.default
    if field.info.kind == "path" and isinstance(default, str):
        from .types import Path

        return Path(default)
    return default


def _has_secret(info):
    if info.kind == "secret":
        return True
    if info.kind == "list":
        return _has_secret(info.item)
    if info.kind == "union":
        return any(_has_secret(o) for o in info.options)
    return False


def _mask(info, value):
    if info.kind == "list" and isinstance(value, list):
        return [_mask(info.item, v) for v in value]
    if info.kind == "secret" or (info.kind == "union" and isinstance(value, str)):
        return SECRET_MASK if value is not None else None
    return value


def _fallback_schemas():
    return {"Input": {"properties": {}, "title": "Input", "type": "object"}, "Output": {"title": "Output", "type": "string"}}


def fallback_openapi(training=False):
    """What Cog serves when the predictor could not be loaded: empty Input, string Output."""
    schemas = _fallback_schemas()
    if training:
        schemas["TrainingInput"] = {"properties": {}, "title": "TrainingInput", "type": "object"}
        schemas["TrainingOutput"] = {"title": "TrainingOutput", "type": "string"}
    return _document(schemas, training=training)


def build_signature(func, mode="predict", method_name=None):
    """Signature of a predict/run/train callable (bound method or function)."""
    method_name = method_name or ("predict" if mode == "predict" else "train")
    sig = inspect.signature(func)
    target = getattr(func, "__func__", func)
    hints = resolve_hints(target)
    fields = []
    allow_extra = False
    order = 0
    for name, param in sig.parameters.items():
        if param.kind == inspect.Parameter.VAR_POSITIONAL:
            raise TypeError("Unsupported variadic positional parameter *%s." % name)
        if param.kind == inspect.Parameter.VAR_KEYWORD:
            if order != 0:
                raise TypeError("Unsupported variadic keyword parameter **%s" % name)
            allow_extra = True
            continue
        annotation = hints.get(name, param.annotation)
        if annotation is _EMPTY:
            raise missing_input_type(name)
        info = parse_input_type(annotation, name)
        spec = param.default if isinstance(param.default, FieldInfo) else None
        default = _EMPTY if spec is not None else param.default
        fields.append(Field(name, info, order, annotation, spec, default))
        order += 1
    if "return" in hints:
        ret = hints["return"]
    else:
        ret = sig.return_annotation
    if ret is _EMPTY:
        raise TypeError(_output_missing_message(method_name))
    iterator = iterator_kind(ret)
    if iterator is not None:
        info = parse_output_type(iterator[2])
    else:
        info = parse_output_type(ret)
    return Signature(fields, Output(ret, info, iterator), mode=mode, allow_extra=allow_extra)
