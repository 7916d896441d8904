"""Module scope of a predictor file, read with `ast` only (no user code runs).

What a name in an annotation or an Input() argument refers to: an import (`from cog import
Path as P`, `import typing as t`), a class or function defined in the file, a module-level
constant (`MAX = 10`), a type alias (`Prompt = Optional[str]`), or a builtin. Standard library
only, Python 3.8+ (so no ast.unparse, and Subscript slices may be wrapped in ast.Index).
"""
import ast
import operator

BUILTIN_NAMES = frozenset(["str", "int", "float", "bool", "list", "dict", "tuple", "set", "bytes", "object", "None", "type"])

_INDEX = getattr(ast, "Index", None)


class StaticError(Exception):
    """The signature is invalid: importing the file would fail the same way, or Cog refuses it."""

    def __init__(self, message, line=0, col=0, name=None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.name = name


class Unresolvable(Exception):
    """Something only an import could tell (a type from another package, a computed default)."""

    def __init__(self, message, line=0, col=0, name=None):
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col
        self.name = name


def subscript_slice(node):
    """The index expression of `X[...]`, unwrapped from Python 3.8's ast.Index."""
    sl = node.slice
    if _INDEX is not None and isinstance(sl, _INDEX):
        sl = sl.value  # type: ignore[attr-defined]
    return sl


def where(node):
    return getattr(node, "lineno", 0), getattr(node, "col_offset", -1) + 1


def dotted(node):
    """`a.b.c` as a string, or None when the expression is not a plain dotted name."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(node.id)
    return ".".join(reversed(parts))


class ModuleScope:
    def __init__(self, tree, filename):
        self.filename = filename
        self.tree = tree
        # local name -> (module, original name or None when the name is the module itself)
        self.imports = {}
        self.classes = {}
        self.functions = {}
        # module-level `NAME = expr` seen exactly once (else None: ambiguous)
        self.assignments = {}
        self.star_imports = []
        self.future_annotations = False
        for stmt in tree.body:
            self._collect(stmt)

    def _collect(self, stmt):
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.imports[alias.asname] = (alias.name, None)
                else:
                    # `import a.b` binds `a`
                    top = alias.name.split(".")[0]
                    self.imports[top] = (top, None)
        elif isinstance(stmt, ast.ImportFrom):
            module = ("." * (stmt.level or 0)) + (stmt.module or "")
            if module == "__future__":
                if any(a.name == "annotations" for a in stmt.names):
                    self.future_annotations = True
                return
            for alias in stmt.names:
                if alias.name == "*":
                    self.star_imports.append(module)
                    continue
                self.imports[alias.asname or alias.name] = (module, alias.name)
        elif isinstance(stmt, ast.ClassDef):
            self.classes[stmt.name] = stmt
            self.imports.pop(stmt.name, None)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self.functions[stmt.name] = stmt
            self.imports.pop(stmt.name, None)
        elif isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Name):
                    self._assign(target.id, stmt.value)
        elif isinstance(stmt, ast.AnnAssign):
            if isinstance(stmt.target, ast.Name) and stmt.value is not None:
                self._assign(stmt.target.id, stmt.value)
        elif isinstance(stmt, (ast.If, ast.Try)):
            # `try: from typing import Literal / except ImportError: from typing_extensions ...`
            # and `if TYPE_CHECKING:` blocks: imports there still name what a type means.
            bodies = [stmt.body, getattr(stmt, "orelse", [])]
            for handler in getattr(stmt, "handlers", []):
                bodies.append(handler.body)
            for body in bodies:
                for inner in body:
                    if isinstance(inner, (ast.Import, ast.ImportFrom)):
                        self._collect(inner)

    def _assign(self, name, value):
        if name in self.assignments:
            self.assignments[name] = None
        else:
            self.assignments[name] = value
        self.imports.pop(name, None)

    def lookup(self, name):
        """('import', (module, orig)) | ('class', node) | ('function', node) | ('assign', expr)
        | ('builtin', name) | ('star', modules) | ('undefined', None)."""
        if name in self.classes:
            return "class", self.classes[name]
        if name in self.functions:
            return "function", self.functions[name]
        if name in self.imports:
            return "import", self.imports[name]
        if name in self.assignments:
            return "assign", self.assignments[name]
        if name in BUILTIN_NAMES:
            return "builtin", name
        if name in _PURE_BUILTINS:
            return "builtin-call", name
        if self.star_imports:
            return "star", self.star_imports
        return "undefined", None

    def qualify(self, node):
        """A dotted-name expression → ('module.path', 'Name'), or None for local/unknown names.

        `cog.Path` with `import cog` → ('cog', 'Path'); `P` with `from cog import Path as P`
        → ('cog', 'Path'); `t.List` with `import typing as t` → ('typing', 'List').
        """
        text = dotted(node)
        if text is None:
            return None
        parts = text.split(".")
        kind, value = self.lookup(parts[0])
        if kind != "import":
            return None
        module, orig = value
        if orig is not None:
            if len(parts) == 1:
                return module, orig
            # `from cog import types` then `types.Path`
            return ".".join([module, orig] + parts[1:-1]), parts[-1]
        if len(parts) == 1:
            return None
        return ".".join([module] + parts[1:-1]), parts[-1]

    # ---- constant evaluation (Input() arguments, plain defaults, BaseModel field defaults) ----

    def evaluate(self, node, _depth=0):
        """A literal value, following module-level constants; Unresolvable otherwise."""
        if _depth > 20:
            raise Unresolvable("constant definitions nest too deeply", *where(node))
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            items = [self.evaluate(e, _depth + 1) for e in node.elts]
            if isinstance(node, ast.Tuple):
                return tuple(items)
            if isinstance(node, ast.Set):
                return set(items)
            return items
        if isinstance(node, ast.Dict):
            if any(k is None for k in node.keys):
                raise Unresolvable("a `**` dict display cannot be evaluated statically", *where(node))
            return {self.evaluate(k, _depth + 1): self.evaluate(v, _depth + 1) for k, v in zip(node.keys, node.values)}
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd, ast.Not)):
            value = self.evaluate(node.operand, _depth + 1)
            return _UNARY[type(node.op)](value)
        if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
            left = self.evaluate(node.left, _depth + 1)
            right = self.evaluate(node.right, _depth + 1)
            if isinstance(node.op, ast.Pow) and isinstance(right, (int, float)) and abs(right) > 64:
                raise Unresolvable("exponent too large to evaluate statically", *where(node))
            try:
                return _BINARY[type(node.op)](left, right)
            except Exception as exc:  # e.g. 1/0, "a" - 1: importing would fail as well
                raise StaticError("cannot evaluate constant expression: %s" % exc, *where(node))
        if isinstance(node, ast.Name):
            kind, value = self.lookup(node.id)
            if node.id in ("True", "False", "None"):
                return {"True": True, "False": False, "None": None}[node.id]
            if kind == "assign" and value is not None:
                return self.evaluate(value, _depth + 1)
            if kind == "undefined":
                raise StaticError("name '%s' is not defined" % node.id, *where(node), name=node.id)
            raise Unresolvable("'%s' is not a constant that can be read without importing" % node.id, *where(node), name=node.id)
        if isinstance(node, ast.Call):
            return self._call(node, _depth)
        if isinstance(node, ast.JoinedStr):  # f"Choose from {MODELS}" over constants
            parts = []
            for value in node.values:
                if isinstance(value, ast.FormattedValue):
                    v = self.evaluate(value.value, _depth + 1)
                    v = {-1: v, 115: str(v), 114: repr(v), 97: ascii(v)}.get(value.conversion, v)
                    spec = self.evaluate(value.format_spec, _depth + 1) if value.format_spec is not None else ""
                    parts.append(format(v, spec))
                else:
                    parts.append(self.evaluate(value, _depth + 1))
            return "".join(parts)
        if isinstance(node, ast.Subscript):
            container = self.evaluate(node.value, _depth + 1)
            key = self.evaluate(subscript_slice(node), _depth + 1)
            try:
                return container[key]
            except Exception as exc:
                raise StaticError("cannot evaluate constant expression: %r" % (exc,), *where(node))
        name = dotted(node)
        raise Unresolvable(
            "value `%s` cannot be evaluated without importing the module" % (name or type(node).__name__),
            *where(node),
            name=name,
        )


    def _call(self, node, depth):
        """Pure builtins and str/dict methods on constants: `choices=sorted(COLORS)`."""
        func = node.func
        if isinstance(func, ast.Name) and func.id in _PURE_BUILTINS and self.lookup(func.id)[0] in ("builtin", "builtin-call"):
            fn = _PURE_BUILTINS[func.id]
            target = fn
        elif isinstance(func, ast.Attribute) and func.attr in _PURE_METHODS:
            receiver = self.evaluate(func.value, depth + 1)
            if not isinstance(receiver, (str, dict, list, tuple)):
                raise Unresolvable("%s() on a non-constant cannot be evaluated without importing" % func.attr, *where(node))
            target = getattr(receiver, func.attr)
        else:
            name = dotted(func) or "a call"
            raise Unresolvable("value of %s(...) cannot be evaluated without importing the module" % name, *where(node), name=name)
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise Unresolvable("*args/**kwargs in a constant expression", *where(node))
        args = [self.evaluate(a, depth + 1) for a in node.args]
        kwargs = {k.arg: self.evaluate(k.value, depth + 1) for k in node.keywords}
        if target is range and (len(args) > 3 or any(not isinstance(a, int) or abs(a) > 100000 for a in args)):
            raise Unresolvable("range() too large to evaluate statically", *where(node))
        try:
            value = target(*args, **kwargs)
        except Exception as exc:
            raise StaticError("cannot evaluate constant expression: %s" % exc, *where(node))
        if isinstance(value, (range, type({}.keys()), type({}.values()), type({}.items()), type(reversed([])))):
            value = list(value)
        return value


_PURE_BUILTINS = {
    "sorted": sorted, "list": list, "tuple": tuple, "set": set, "len": len, "min": min, "max": max,
    "sum": sum, "range": range, "str": str, "int": int, "float": float, "bool": bool, "abs": abs,
    "round": round, "reversed": reversed, "dict": dict,
}
_PURE_METHODS = frozenset(["keys", "values", "items", "upper", "lower", "strip", "split", "join", "replace", "copy"])

_UNARY = {ast.USub: operator.neg, ast.UAdd: operator.pos, ast.Not: operator.not_}
_BINARY = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}
