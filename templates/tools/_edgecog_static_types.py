"""Annotations → a small resolved-type tree, then → canonical source text.

The tree names only what the runtime can rebuild without the user's imports:
  ('prim', 'str'|'int'|'float'|'bool')   ('cog', 'Path'|'File'|'Secret'|'URLPath')
  ('none',)  ('any',)  ('dict',)  ('list', T or None)  ('optional', T)  ('union', [T...])
  ('literal', [values])  ('iter', ORIGIN, T)  ('model', ClassName)
Rendered back as `typing.X[...]` / `cog.X` text, so PEP 604 unions and `list[int]` still work on a
Python 3.8 host, and `from __future__ import annotations` makes no difference.
"""
import ast

from _edgecog_static_scope import StaticError, Unresolvable, subscript_slice, where

COG_MODULES = frozenset(["cog", "cog.types", "cog.predictor", "cog.model", "cog.input"])
TYPING_MODULES = frozenset(["typing", "typing_extensions", "collections.abc", "collections"])
COG_VALUE_TYPES = frozenset(["Path", "File", "Secret", "URLPath", "URLFile"])
ITER_ORIGINS = {
    "Iterator": "typing.Iterator",
    "Iterable": "typing.Iterator",
    "Generator": "typing.Iterator",
    "AsyncIterator": "typing.AsyncIterator",
    "AsyncIterable": "typing.AsyncIterator",
    "AsyncGenerator": "typing.AsyncIterator",
    "ConcatenateIterator": "cog.ConcatenateIterator",
    "AsyncConcatenateIterator": "cog.AsyncConcatenateIterator",
}
PRIMS = frozenset(["str", "int", "float", "bool"])


def canonical(scope, node):
    """What a dotted name means: ('cog', N) | ('typing', N) | ('builtin', N) | ('pydantic', N)
    | ('local-class', node) | ('alias', expr) | ('external', (module, N)) | raises."""
    from _edgecog_static_scope import dotted

    text = dotted(node)
    if text is None:
        raise StaticError("unsupported annotation expression", *where(node))
    if "." not in text:
        kind, value = scope.lookup(text)
        if kind == "class":
            return "local-class", value
        if kind == "assign":
            if value is None:
                raise Unresolvable("'%s' is assigned more than once at module level" % text, *where(node), name=text)
            return "alias", value
        if kind == "builtin":
            return "builtin", text
        if kind == "function":
            raise StaticError("'%s' is a function, not a type" % text, *where(node), name=text)
        if kind == "star":
            raise Unresolvable(
                "cannot resolve type '%s': it may come from `from %s import *`" % (text, value[0]), *where(node), name=text
            )
        if kind == "undefined":
            raise StaticError(
                "cannot resolve type '%s': the name is not defined or imported in %s" % (text, scope.filename),
                *where(node),
                name=text,
            )
    qualified = scope.qualify(node)
    if qualified is None:
        raise StaticError("cannot resolve type '%s'" % text, *where(node), name=text)
    module, name = qualified
    if module in COG_MODULES:
        return "cog", name
    if module in TYPING_MODULES:
        return "typing", name
    if module == "builtins":
        return "builtin", name
    if module == "pydantic" or module.startswith("pydantic."):
        return "pydantic", name
    if module == "pathlib" and name == "Path":
        # Cog's Path is a pathlib.Path subclass; the runtime accepts plain pathlib.Path too.
        return "cog", "Path"
    return "external", (module, name)


class TypeResolver:
    def __init__(self, scope, models):
        self.scope = scope
        self.models = models  # ModelCollector: local BaseModel classes used by the signature
        self._alias_depth = 0

    def resolve(self, node):
        if node is None:
            return None
        if isinstance(node, ast.Constant):
            if node.value is None:
                return ("none",)
            if isinstance(node.value, str):
                # a forward reference, or the whole annotation quoted
                try:
                    inner = ast.parse(node.value.strip(), mode="eval").body
                except SyntaxError:
                    raise StaticError("invalid string annotation %r" % node.value, *where(node))
                ast.copy_location(inner, node)
                for child in ast.walk(inner):
                    child.lineno, child.col_offset = node.lineno, node.col_offset
                return self.resolve(inner)
            raise StaticError("unsupported annotation %r" % (node.value,), *where(node))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return self._union([node.left, node.right], node)
        if isinstance(node, ast.Subscript):
            return self._subscript(node)
        if isinstance(node, (ast.Name, ast.Attribute)):
            return self._name(node)
        raise StaticError("unsupported annotation expression", *where(node))

    def _name(self, node):
        kind, value = canonical(self.scope, node)
        if kind == "builtin":
            if value in PRIMS:
                return ("prim", value)
            if value == "None":
                return ("none",)
            if value == "dict":
                return ("dict",)
            if value == "list":
                return ("list", None)
            raise StaticError("unsupported type '%s'" % value, *where(node), name=value)
        if kind == "cog":
            if value in COG_VALUE_TYPES:
                return ("cog", "File" if value == "URLFile" else value)
            if value in ITER_ORIGINS:
                return ("iter", ITER_ORIGINS[value], ("any",))
            raise StaticError("cog.%s is not a type that can annotate inputs or outputs" % value, *where(node), name=value)
        if kind == "typing":
            if value == "Any":
                return ("any",)
            if value in ("Dict", "Mapping"):
                return ("dict",)
            if value == "List":
                return ("list", None)
            if value in ITER_ORIGINS:
                return ("iter", ITER_ORIGINS[value], ("any",))
            raise Unresolvable("typing.%s is not understood by the static reader" % value, *where(node), name=value)
        if kind == "local-class":
            return self.models.model(value, node)
        if kind == "alias":
            self._alias_depth += 1
            try:
                if self._alias_depth > 20:
                    raise Unresolvable("type alias chain too deep", *where(node))
                return self.resolve(value)
            finally:
                self._alias_depth -= 1
        if kind == "pydantic":
            raise Unresolvable("pydantic.%s cannot be read statically" % value, *where(node), name=value)
        module, name = value
        raise Unresolvable(
            "cannot resolve type '%s' (imported from '%s'): types from other packages need an import to read" % (name, module),
            *where(node),
            name=name,
        )

    def _subscript(self, node):
        base = node.value
        kind, name = canonical(self.scope, base)
        if kind == "alias":
            raise Unresolvable("generic type aliases are not read statically", *where(node))
        args_node = subscript_slice(node)
        args = list(args_node.elts) if isinstance(args_node, ast.Tuple) else [args_node]
        if kind == "builtin" and name in ("list", "dict", "tuple", "type"):
            name = {"list": "List", "dict": "Dict", "tuple": "Tuple", "type": "Type"}[name]
            kind = "typing"
        if kind not in ("typing", "cog"):
            if kind == "local-class":
                raise StaticError("'%s' is not generic" % value_name(base), *where(node), name=value_name(base))
            raise Unresolvable("cannot resolve type '%s'" % value_name(base), *where(node), name=value_name(base))
        if name == "Optional":
            if len(args) != 1:
                raise StaticError("Optional takes exactly one type", *where(node))
            inner = self.resolve(args[0])
            return inner if inner[0] == "optional" else ("optional", inner)
        if name == "Union":
            return self._union(args, node)
        if name == "List" or name == "Sequence":
            return ("list", self.resolve(args[0]))
        if name in ("Dict", "Mapping"):
            for a in args:
                self.resolve(a)
            return ("dict",)
        if name == "Literal":
            values = []
            for a in args:
                if isinstance(a, ast.Constant):
                    values.append(a.value)
                else:
                    values.append(self.scope.evaluate(a))
            return ("literal", values)
        if name == "Annotated":
            return self.resolve(args[0])
        if name in ITER_ORIGINS:
            return ("iter", ITER_ORIGINS[name], self.resolve(args[0]))
        raise Unresolvable("%s[...] is not understood by the static reader" % name, *where(node), name=name)

    def _union(self, arg_nodes, node):
        members = []
        for a in arg_nodes:
            t = self.resolve(a)
            parts = t[1] if t[0] == "union" else ([t[1], ("none",)] if t[0] == "optional" else [t])
            for p in parts:
                if p not in members:
                    members.append(p)
        has_none = ("none",) in members
        rest = [m for m in members if m != ("none",)]
        if not rest:
            return ("none",)
        core = rest[0] if len(rest) == 1 else ("union", rest)
        return ("optional", core) if has_none else core


def value_name(node):
    from _edgecog_static_scope import dotted

    return dotted(node) or "?"


def render_type(t):
    kind = t[0]
    if kind == "prim":
        return t[1]
    if kind == "cog":
        return "cog.%s" % t[1]
    if kind == "none":
        return "None"
    if kind == "any":
        return "typing.Any"
    if kind == "dict":
        return "dict"
    if kind == "list":
        return "list" if t[1] is None else "typing.List[%s]" % render_type(t[1])
    if kind == "optional":
        return "typing.Optional[%s]" % render_type(t[1])
    if kind == "union":
        return "typing.Union[%s]" % ", ".join(render_type(m) for m in t[1])
    if kind == "literal":
        return "typing.Literal[%s]" % ", ".join(render_value(v) for v in t[1])
    if kind == "iter":
        return "%s[%s]" % (t[1], render_type(t[2]))
    if kind == "model":
        return t[1]
    raise AssertionError(kind)


def render_value(v):
    """Python source for a literal value (repr, except floats that repr cannot round-trip)."""
    if isinstance(v, float):
        if v != v:
            return "float('nan')"
        if v in (float("inf"), float("-inf")):
            return "float('%s')" % ("inf" if v > 0 else "-inf")
        return repr(v)
    if isinstance(v, (list, tuple, set)):
        inner = ", ".join(render_value(x) for x in v)
        if isinstance(v, list):
            return "[%s]" % inner
        if isinstance(v, tuple):
            return "(%s,)" % inner if len(v) == 1 else "(%s)" % inner
        return "{%s}" % inner if v else "set()"
    if isinstance(v, dict):
        return "{%s}" % ", ".join("%s: %s" % (render_value(k), render_value(x)) for k, x in v.items())
    if v is None or isinstance(v, (bool, int, str, bytes)):
        return repr(v)
    if v is Ellipsis:
        return "..."
    raise Unresolvable("value %r cannot be written back as a literal" % (v,))
