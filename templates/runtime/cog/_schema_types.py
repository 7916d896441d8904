"""Turn type annotations into a small tree of TypeInfo nodes.

Input annotations follow Cog 0.16's rules (str, int, float, bool, File, Path,
Secret, Literal, and Optional/Union/List of those); outputs accept anything
JSON-able, BaseModel subclasses and iterators at the top level.
"""

import collections.abc
import sys
import types
import typing

from .model import BaseModel
from .types import AsyncConcatenateIterator, ConcatenateIterator, File, Path, Secret

_UNION_TYPE = getattr(types, "UnionType", None)
_SCALARS = {str: "str", int: "int", float: "float", bool: "bool"}


class TypeInfo:
    """One node: kind in str,int,float,bool,path,file,secret,any,dict,list,union,
    literal,model,pydantic,none. `nullable` marks Optional[...]."""

    __slots__ = ("kind", "item", "options", "values", "cls", "nullable", "annotation")

    def __init__(self, kind, annotation=None, item=None, options=None, values=None, cls=None, nullable=False):
        self.kind = kind
        self.annotation = annotation
        self.item = item
        self.options = options
        self.values = values
        self.cls = cls
        self.nullable = nullable

    def copy(self, **changes):
        new = TypeInfo(self.kind)
        for name in self.__slots__:
            setattr(new, name, changes.get(name, getattr(self, name)))
        return new

    def __repr__(self):
        return "TypeInfo(%s%s)" % (self.kind, ", nullable" if self.nullable else "")


def strip_annotated(tp):
    origin = getattr(typing, "get_origin", None)
    annotated = getattr(typing, "Annotated", None)
    if annotated is not None and origin is not None and typing.get_origin(tp) is annotated:
        return typing.get_args(tp)[0]
    return tp


def get_origin(tp):
    return typing.get_origin(tp)


def get_args(tp):
    return typing.get_args(tp)


def is_class(tp):
    # On 3.9/3.10, list[int] passes isinstance(x, type) (GenericAlias proxies __class__).
    return isinstance(tp, type) and typing.get_origin(tp) is None


def is_union(tp):
    origin = get_origin(tp)
    return origin is typing.Union or (_UNION_TYPE is not None and origin is _UNION_TYPE)


def is_none(tp):
    return tp is None or tp is type(None)


def human_type_name(tp):
    """Cog's wording for a type in error messages: str, cog.Path, module.Name."""
    if is_class(tp):
        module = tp.__module__
        if module == "builtins":
            return tp.__qualname__
        if module.split(".")[0] == "cog":
            module = "cog"
        return "%s.%s" % (module, tp.__qualname__)
    return str(tp)


_ALLOWED = "str, int, float, bool, cog.File, cog.Path, cog.Secret"


def unsupported_input(tp, name):
    return TypeError(
        "Unsupported input type %s for parameter `%s`. Supported input types are: %s, "
        "or a Union or List of those types." % (human_type_name(tp), name, _ALLOWED)
    )


def missing_input_type(name):
    return TypeError(
        "No input type provided for parameter `%s`. Supported input types are: %s, "
        "or a Union or List of those types." % (name, _ALLOWED)
    )


def parse_input_type(tp, name):
    """TypeInfo for an input annotation; TypeError (Cog's message) when unsupported."""
    tp = strip_annotated(tp)
    if tp in _SCALARS:
        return TypeInfo(_SCALARS[tp], tp)
    if is_class(tp):
        if issubclass(tp, Secret):
            return TypeInfo("secret", tp)
        if issubclass(tp, Path) or tp.__module__ == "pathlib":
            return TypeInfo("path", tp)
        if issubclass(tp, File):
            return TypeInfo("file", tp)
    origin = get_origin(tp)
    if origin is typing.Literal:
        values = list(get_args(tp))
        for value in values:
            if type(value) not in _SCALARS:
                raise unsupported_input(type(value), name)
        return TypeInfo("literal", tp, values=values)
    if is_union(tp):
        args = get_args(tp)
        non_null = [a for a in args if not is_none(a)]
        if len(non_null) < len(args):
            if len(non_null) == 1:
                return parse_input_type(non_null[0], name).copy(nullable=True, annotation=tp)
            return TypeInfo("union", tp, options=[parse_input_type(a, name) for a in non_null], nullable=True)
        return TypeInfo("union", tp, options=[parse_input_type(a, name) for a in args])
    if origin in (list, typing.List) or tp is typing.List:
        args = get_args(tp)
        item = parse_input_type(args[0], name) if args else TypeInfo("any")
        return TypeInfo("list", tp, item=item)
    raise unsupported_input(tp, name)


def iterator_kind(tp):
    """None, or (is_async, concatenate, item_annotation) for iterator return types."""
    tp = strip_annotated(tp)
    origin = get_origin(tp) or tp
    args = get_args(tp)
    item = args[0] if args else typing.Any
    if origin is ConcatenateIterator:
        return (False, True, item)
    if origin is AsyncConcatenateIterator:
        return (True, True, item)
    if origin in (collections.abc.Iterator, collections.abc.Generator, collections.abc.Iterable):
        return (False, False, item)
    if origin in (collections.abc.AsyncIterator, collections.abc.AsyncGenerator, collections.abc.AsyncIterable):
        return (True, False, item)
    return None


def _is_pydantic_model(tp):
    if not is_class(tp):
        return False
    for base in tp.__mro__:
        if base.__name__ == "BaseModel" and base.__module__.startswith("pydantic"):
            return True
    return False


def parse_output_type(tp, hints_for=None):
    """TypeInfo for a return annotation (iterators handled by the caller)."""
    tp = strip_annotated(tp)
    if tp is typing.Any or tp is object:
        return TypeInfo("any", tp)
    if is_none(tp):
        return TypeInfo("none", tp)
    if tp in _SCALARS:
        return TypeInfo(_SCALARS[tp], tp)
    if is_class(tp):
        if issubclass(tp, Secret):
            return TypeInfo("secret", tp)
        if issubclass(tp, BaseModel):
            return TypeInfo("model", tp, cls=tp)
        if _is_pydantic_model(tp):
            return TypeInfo("pydantic", tp, cls=tp)
        if issubclass(tp, Path) or tp.__module__ == "pathlib":
            return TypeInfo("path", tp)
        if issubclass(tp, File) or tp.__module__ == "io":
            return TypeInfo("file", tp)
        if tp is dict:
            return TypeInfo("dict", tp)
        if tp is list:
            return TypeInfo("list", tp, item=TypeInfo("any"))
    origin = get_origin(tp)
    if origin is typing.Literal:
        return TypeInfo("literal", tp, values=list(get_args(tp)))
    if is_union(tp):
        args = get_args(tp)
        non_null = [a for a in args if not is_none(a)]
        if len(non_null) == 1:
            return parse_output_type(non_null[0]).copy(nullable=len(non_null) < len(args), annotation=tp)
        return TypeInfo(
            "union", tp, options=[parse_output_type(a) for a in non_null], nullable=len(non_null) < len(args)
        )
    if origin in (list, typing.List, collections.abc.Sequence, tuple, set, frozenset) or tp is typing.List:
        args = get_args(tp)
        item = parse_output_type(args[0]) if args and args[0] is not Ellipsis else TypeInfo("any")
        return TypeInfo("list", tp, item=item)
    if origin in (dict, typing.Dict, collections.abc.Mapping) or tp is typing.Dict:
        return TypeInfo("dict", tp)
    raise TypeError("Unsupported output type %s" % human_type_name(tp))


def model_fields(cls):
    """[(name, TypeInfo, default)] of a cog.BaseModel subclass, resolving string hints."""
    hints = resolve_hints(cls)
    fields = []
    for name in cls.__cog_fields__:
        annotation = hints.get(name, typing.Any)
        fields.append((name, parse_output_type(annotation), cls.field_default(name)))
    return fields


def resolve_hints(obj):
    """typing.get_type_hints with the defining module's globals (PEP 563 friendly).

    Before Python 3.10, `int | None` and (3.8) `list[int]` written as string
    annotations cannot be evaluated; those are rewritten to typing forms.
    """
    module = sys.modules.get(getattr(obj, "__module__", None) or "")
    globalns = getattr(module, "__dict__", None)
    try:
        if sys.version_info >= (3, 9):
            return typing.get_type_hints(obj, globalns=globalns, include_extras=True)
        return typing.get_type_hints(obj, globalns=globalns)
    except NameError as exc:
        raise TypeError("could not resolve a type annotation of %s: %s" % (getattr(obj, "__qualname__", obj), exc)) from None
    except TypeError:
        if sys.version_info >= (3, 10):
            raise
    return _legacy_hints(obj, globalns or {})


def _legacy_hints(obj, globalns):
    raw = getattr(obj, "__annotations__", None) or {}
    if isinstance(obj, type):
        raw = {}
        for klass in reversed(obj.__mro__):
            raw.update(klass.__dict__.get("__annotations__", {}))
    hints = {}
    for name, annotation in raw.items():
        hints[name] = _eval_legacy(annotation, globalns) if isinstance(annotation, str) else annotation
    return hints


def _eval_legacy(text, globalns):
    import ast

    class Rewrite(ast.NodeTransformer):
        def visit_BinOp(self, node):  # noqa: N802 - ast API
            self.generic_visit(node)
            if isinstance(node.op, ast.BitOr):
                return ast.Subscript(
                    value=ast.Name(id="__cog_Union", ctx=ast.Load()),
                    slice=ast.Index(value=ast.Tuple(elts=[node.left, node.right], ctx=ast.Load())),
                    ctx=ast.Load(),
                )
            return node

        def visit_Name(self, node):  # noqa: N802 - ast API
            if node.id in _BUILTIN_GENERICS:
                return ast.copy_location(ast.Name(id="__cog_" + node.id, ctx=node.ctx), node)
            return node

    tree = Rewrite().visit(ast.parse(text, mode="eval"))
    ast.fix_missing_locations(tree)
    namespace = dict(globalns)
    namespace["__cog_Union"] = typing.Union
    for name, alias in _BUILTIN_GENERICS.items():
        namespace["__cog_" + name] = alias
    try:
        return eval(compile(tree, "<annotation>", "eval"), namespace)  # noqa: S307 - the user's own annotation
    except NameError as exc:
        raise TypeError("could not resolve the type annotation %r: %s" % (text, exc)) from None


# Only subscripted uses need the typing alias; a bare `list` stays list via typing's own handling.
_BUILTIN_GENERICS = {"list": typing.List, "dict": typing.Dict, "tuple": typing.Tuple, "set": typing.Set, "type": typing.Type}
