"""Find the predictor named by a ref and turn its signature into a synthetic module.

The synthetic module holds only `import cog, typing`, the BaseModel classes the signature uses
(fields only), and the predictor with the same parameters, annotations and Input(...) metadata,
every body replaced by `raise NotImplementedError`. The runtime's own generator then imports
*that*, so the static schema and /openapi.json come from the same code.
"""
import ast

from _edgecog_static_scope import ModuleScope, StaticError, Unresolvable, dotted, where
from _edgecog_static_types import TypeResolver, canonical, render_type, render_value

INPUT_KEYWORDS = ("default", "description", "ge", "le", "min_length", "max_length", "regex", "choices", "deprecated", "accept")
COG_BASES = frozenset(["BasePredictor", "BaseRunner"])


class ModelCollector:
    """Local BaseModel subclasses reached from the signature, in definition order (bases first)."""

    def __init__(self, scope):
        self.scope = scope
        self.order = []  # rendered class sources, dependencies first
        self.done = set()
        self.active = set()
        self.resolver = TypeResolver(scope, self)

    def model(self, cls, use_node):
        name = cls.name
        if name in self.done:
            return ("model", name)
        if name in self.active:
            raise Unresolvable("recursive model '%s' is not read statically" % name, *where(use_node), name=name)
        base_source = self._model_base(cls)
        if base_source is None:
            raise StaticError(
                "cannot resolve type '%s' - it is not a primitive type (str, int, float, bool, Path) "
                "and not a BaseModel subclass defined in %s" % (name, self.scope.filename),
                *where(use_node),
                name=name,
            )
        self.active.add(name)
        try:
            lines = ["class %s(%s):" % (name, base_source)]
            doc = ast.get_docstring(cls, clean=False)
            if doc is not None:
                lines.append("    %s" % render_value(doc))
            for stmt in cls.body:
                if not isinstance(stmt, ast.AnnAssign) or not isinstance(stmt.target, ast.Name):
                    continue
                t = self.resolver.resolve(stmt.annotation)
                field = "    %s: %s" % (stmt.target.id, render_type(t))
                if stmt.value is not None:
                    field += " = %s" % render_value(self.scope.evaluate(stmt.value))
                lines.append(field)
            if len(lines) == 1:
                lines.append("    pass")
        finally:
            self.active.discard(name)
        self.done.add(name)
        self.order.append("\n".join(lines))
        return ("model", name)

    def _model_base(self, cls):
        """'cog.BaseModel' or a local model's name, or None when cls is not a model."""
        for base in cls.bases:
            try:
                kind, value = canonical(self.scope, base)
            except (StaticError, Unresolvable):
                continue
            if kind in ("cog", "pydantic") and value == "BaseModel":
                # pydantic outputs become cog.BaseModel: the runtime never imports pydantic
                return "cog.BaseModel"
            if kind == "local-class" and value is not cls:
                if self._model_base(value) is not None:
                    self.model(value, base)
                    return value.name
        return None


def find_target(scope, name, mode):
    """(def node, owner class or None). Raises StaticError / Unresolvable."""
    kind, value = scope.lookup(name)
    if kind == "class":
        return find_method(scope, value, mode), value
    if kind == "function":
        return value, None
    if kind in ("import", "assign", "star"):
        raise Unresolvable("'%s' is defined by an import or assignment that only running the module can follow" % name, name=name)
    defined = sorted(list(scope.classes) + list(scope.functions))
    raise StaticError(
        "predictor not found: %s is not defined in %s%s"
        % (name, scope.filename, "; it defines: %s" % ", ".join(defined) if defined else ""),
        name=name,
    )


def _method_in_chain(scope, cls, method, seen=None):
    """The method's def (or None) walking local bases left to right; Unresolvable when a base
    from another module might define it."""
    seen = seen or set()
    if cls.name in seen:
        return None
    seen.add(cls.name)
    for stmt in cls.body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and stmt.name == method:
            return stmt
        # `predict = streaming(_predict)` and the like: a method bound by assignment, which
        # Cog accepts; only running the class body can say what it is.
        targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target] if isinstance(stmt, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == method for t in targets):
            raise Unresolvable("%s.%s is assigned, not defined with def; only an import can inspect it" % (cls.name, method), *where(stmt), name=method)
    for base in cls.bases:
        kind, value = canonical(scope, base)
        if kind == "local-class":
            found = _method_in_chain(scope, value, method, seen)
            if found is not None:
                return found
        elif kind == "cog" and value in COG_BASES:
            continue
        elif kind == "builtin" and value == "object":
            continue
        else:
            raise Unresolvable(
                "%s inherits from %s, which only an import can inspect" % (cls.name, dotted(base) or "an expression"),
                *where(base),
            )
    return None


def find_method(scope, cls, mode):
    if mode == "train":
        found = _method_in_chain(scope, cls, "train")
        if found is None:
            raise StaticError("train method not found on %s" % cls.name, *where(cls), name=cls.name)
        return found
    run = _method_in_chain(scope, cls, "run")
    predict = _method_in_chain(scope, cls, "predict")
    if run is not None and predict is not None:
        raise StaticError(
            "%s must define either run() or predict(), not both (run at line %d, predict at line %d)"
            % (cls.name, run.lineno, predict.lineno),
            *where(cls),
            name=cls.name,
        )
    if run is None and predict is None:
        raise StaticError("run or predict method not found: %s" % cls.name, *where(cls), name=cls.name)
    return run or predict


def _is_input_call(scope, node):
    if not isinstance(node, ast.Call):
        return False
    try:
        kind, value = canonical(scope, node.func)
    except (StaticError, Unresolvable):
        return False
    return kind == "cog" and value == "Input"


def render_default(scope, node, param):
    if _is_input_call(scope, node):
        parts = []
        if node.args:
            if len(node.args) > 1:
                raise StaticError("Input() takes at most one positional argument (the default)", *where(node))
            parts.append("default=%s" % render_value(scope.evaluate(node.args[0])))
        for kw in node.keywords:
            if kw.arg is None:
                raise Unresolvable("Input(**kwargs) cannot be read statically", *where(kw.value))
            if kw.arg == "default_factory":
                raise Unresolvable("default_factory of input '%s' needs an import to evaluate" % param, *where(kw.value), name=param)
            if kw.arg not in INPUT_KEYWORDS:
                raise StaticError("Input() got an unexpected keyword argument '%s'" % kw.arg, *where(kw.value), name=kw.arg)
            parts.append("%s=%s" % (kw.arg, render_value(scope.evaluate(kw.value))))
        return "cog.Input(%s)" % ", ".join(parts)
    return render_value(scope.evaluate(node))


def _is_generator(fn):
    """True when the body yields (not counting nested functions or classes)."""
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))
    return False


def render_function(scope, models, fn, is_method, indent):
    """The def with its parameters; returns (source, {param: line})."""
    a = fn.args
    if getattr(a, "posonlyargs", None):
        positional = list(a.posonlyargs) + list(a.args)
    else:
        positional = list(a.args)
    lines = {}
    params = []
    first = 0
    if is_method and positional:
        params.append(positional[0].arg)
        first = 1
    defaults = [None] * (len(positional) - len(a.defaults)) + list(a.defaults)
    items = [(arg, defaults[i]) for i, arg in enumerate(positional) if i >= first]
    for arg, default in items:
        params.append(_render_param(scope, models, arg, default, lines))
    if a.vararg is not None:
        params.append("*" + a.vararg.arg)
    elif a.kwonlyargs:
        params.append("*")
    for arg, default in zip(a.kwonlyargs, a.kw_defaults):
        params.append(_render_param(scope, models, arg, default, lines))
    if a.kwarg is not None:
        params.append("**" + a.kwarg.arg)
    returns = ""
    if fn.returns is not None:
        returns = " -> %s" % render_type(models.resolver.resolve(fn.returns))
    pad = " " * indent
    prefix = "async def" if isinstance(fn, ast.AsyncFunctionDef) else "def"
    body = ["%s    raise NotImplementedError" % pad]
    if _is_generator(fn):
        body.append("%s    yield" % pad)
    head = "%s%s %s(%s)%s:" % (pad, prefix, fn.name, ", ".join(params), returns)
    # @cog.streaming marks the operation x-cog-streaming: keep it (other decorators are the
    # user's own business and stay out of the synthetic module).
    marks = ["%s@cog.streaming" % pad for d in fn.decorator_list if _is_cog_streaming(scope, d)][:1]
    return "\n".join(marks + [head] + body), lines


def _is_cog_streaming(scope, node):
    target = node.func if isinstance(node, ast.Call) else node
    try:
        return canonical(scope, target) == ("cog", "streaming")
    except Exception:  # noqa: BLE001 - an unreadable decorator is not ours to judge here
        return False


def _render_param(scope, models, arg, default, lines):
    lines[arg.arg] = arg.lineno
    text = arg.arg
    if arg.annotation is not None:
        text += ": %s" % render_type(models.resolver.resolve(arg.annotation))
    if default is not None:
        text += " = %s" % render_default(scope, default, arg.arg)
    return text


def synthesize(source, filename, targets):
    """Synthetic module text for every (name, mode) target in one file, and a map of
    (name, parameter) → line in the user's file. Returns (text, lines, {name: def node})."""
    try:
        tree = ast.parse(source, filename=filename)
    except SyntaxError as exc:
        raise StaticError("invalid Python syntax: %s" % exc.msg, exc.lineno or 0, exc.offset or 0)
    scope = ModuleScope(tree, filename)
    models = ModelCollector(scope)
    defs = []  # [class name or None, base, [def texts]]
    all_lines = {}
    nodes = {}
    for name, mode in targets:
        fn, owner = find_target(scope, name, mode)
        nodes[(name, mode)] = fn
        if owner is not None:
            text, lines = render_function(scope, models, fn, True, 4)
            same = [d for d in defs if d[0] == owner.name]
            if same:  # predict and train on one class: one class with both methods
                if text not in same[0][2]:
                    same[0][2].append(text)
            else:
                base = "cog.BaseRunner" if fn.name == "run" else "cog.BasePredictor"
                defs.append([owner.name, base, [text]])
        else:
            text, lines = render_function(scope, models, fn, False, 0)
            defs.append([None, None, [text]])
        for param, line in lines.items():
            all_lines[(name, param)] = line
    out = ["# synthesised by edgecog from %s (no user code)" % filename, "import typing", "import cog", ""]
    out.extend(models.order)
    out.append("")
    for cls, base, texts in defs:
        if cls is not None:
            out.append("class %s(%s):" % (cls, base))
        out.append("\n\n".join(texts))
        out.append("")
    return "\n".join(out) + "\n", all_lines, nodes
