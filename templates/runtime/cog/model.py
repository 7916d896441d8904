"""cog.BaseModel: a small dataclass-like base for structured outputs.

Class annotations become fields (in definition order, base classes first); a
class attribute is the field's default. No pydantic: the runtime must never
fight the model's own dependencies.
"""

import copy

_NO_DEFAULT = object()


def _own_annotations(cls):
    # Only this class's own annotations, never inherited through __dict__ lookup.
    return cls.__dict__.get("__annotations__", {})


class BaseModel:
    """Structured output. Subclass it and annotate fields:

        class Output(BaseModel):
            text: str
            score: float = 0.0
    """

    __cog_fields__ = ()

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        names = []
        for base in reversed(cls.__mro__[1:]):
            for name in getattr(base, "__cog_fields__", ()):
                if name not in names:
                    names.append(name)
        for name, annotation in _own_annotations(cls).items():
            if name.startswith("_") or _is_classvar(annotation):
                continue
            if name not in names:
                names.append(name)
        cls.__cog_fields__ = tuple(names)

    def __init__(self, **values):
        cls = type(self)
        missing = []
        for name in cls.__cog_fields__:
            if name in values:
                value = values.pop(name)
            else:
                default = cls.__dict__.get(name, _NO_DEFAULT)
                if default is _NO_DEFAULT:
                    default = _inherited_default(cls, name)
                if default is _NO_DEFAULT:
                    missing.append(name)
                    continue
                value = copy.copy(default) if isinstance(default, (list, dict, set)) else default
            object.__setattr__(self, name, value)
        if missing:
            raise TypeError("%s missing required field(s): %s" % (cls.__name__, ", ".join(missing)))
        if values:
            raise TypeError("%s got unexpected field(s): %s" % (cls.__name__, ", ".join(sorted(values))))

    @classmethod
    def field_default(cls, name):
        """The default of a field, or BaseModel.NO_DEFAULT when it is required."""
        default = cls.__dict__.get(name, _NO_DEFAULT)
        if default is _NO_DEFAULT:
            default = _inherited_default(cls, name)
        return default

    NO_DEFAULT = _NO_DEFAULT

    def dict(self):
        return {name: getattr(self, name) for name in type(self).__cog_fields__}

    # pydantic-style spelling, for code written against Cog's pydantic models.
    def model_dump(self):
        return self.dict()

    def __eq__(self, other):
        return type(other) is type(self) and other.dict() == self.dict()

    __hash__ = None  # mutable, like dataclasses with eq=True

    def __repr__(self):
        inner = ", ".join("%s=%r" % (k, v) for k, v in self.dict().items())
        return "%s(%s)" % (type(self).__name__, inner)


def _inherited_default(cls, name):
    for base in cls.__mro__[1:]:
        if name in base.__dict__ and name in getattr(base, "__cog_fields__", ()):
            return base.__dict__[name]
    return _NO_DEFAULT


def _is_classvar(annotation):
    if isinstance(annotation, str):
        return annotation.startswith(("ClassVar", "typing.ClassVar"))
    return getattr(annotation, "__origin__", None) is getattr(__import__("typing"), "ClassVar", None)
