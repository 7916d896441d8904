"""Let user pydantic models (v1 or v2) hold cog.Path, cog.File and cog.Secret.

Cog's own types were pydantic types, so real models put them in their
pydantic outputs. The hooks below only run when pydantic asks for them; the
runtime itself never imports pydantic.
"""

import io
import pathlib


def _pydantic_core_schema(cls, validate, instance_of):
    from pydantic_core import core_schema  # pylint: disable=import-outside-toplevel

    return core_schema.union_schema(
        [core_schema.is_instance_schema(instance_of), core_schema.no_info_plain_validator_function(validate)]
    )


def _pydantic_json_schema(extra):
    def hook(cls, core_schema, handler):  # pylint: disable=unused-argument
        schema = {}
        schema.update(extra)
        return schema

    return classmethod(hook)


def _add_pydantic_hooks(cls, instance_of, extra):
    cls.__get_pydantic_core_schema__ = classmethod(
        lambda klass, source, handler: _pydantic_core_schema(klass, klass.validate, instance_of)
    )
    cls.__get_pydantic_json_schema__ = _pydantic_json_schema(extra)
    # pydantic 1
    cls.__get_validators__ = classmethod(lambda klass: iter((klass.validate,)))
    cls.__modify_schema__ = classmethod(lambda klass, field_schema: field_schema.update(extra))


def _secret_validate(cls, value):
    if isinstance(value, cls):
        return value
    if not isinstance(value, str):
        raise ValueError("Input should be a valid string")
    return cls(value)


def install(path_cls, file_cls, secret_cls):
    secret_cls.validate = classmethod(_secret_validate)
    _add_pydantic_hooks(path_cls, pathlib.Path, {"type": "string", "format": "uri"})
    _add_pydantic_hooks(file_cls, io.IOBase, {"type": "string", "format": "uri"})
    _add_pydantic_hooks(
        secret_cls, secret_cls, {"type": "string", "format": "password", "writeOnly": True, "x-cog-secret": True}
    )
