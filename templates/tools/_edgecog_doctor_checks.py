"""The Python-side checks of `edgecog doctor`, as Cog's doctor has them (pkg/doctor), read with
`ast` (no user code runs). Each finding: check id, severity, message, line, col, hint, fixable."""
import ast

from _edgecog_static_scope import ModuleScope
from _edgecog_static_types import canonical

COG_MODULES = ("cog", "cog.types", "cog.predictor")
DEPRECATED_IMPORTS = {
    # (module, name): why. Cog 0.17 removed it; importing it fails there.
    ("cog.types", "ExperimentalFeatureWarning"): "ExperimentalFeatureWarning was removed in Cog 0.17; "
    "current_scope().record_metric() is no longer experimental",
    ("cog", "ExperimentalFeatureWarning"): "ExperimentalFeatureWarning was removed in Cog 0.17; "
    "current_scope().record_metric() is no longer experimental",
}


def finding(check, severity, message, node=None, src=None, hint=None, fixable=False, line=None, col=None):
    if node is not None and src is not None:
        line, col = node.lineno, src.column(node)
    return {"check": check, "severity": severity, "message": message, "line": line or 0, "col": col or 0, "hint": hint, "fixable": fixable}


def resolves_to(scope, node, module_names, name):
    try:
        kind, value = canonical(scope, node)
    except Exception:
        return False
    if kind == "cog" and "cog" in module_names:
        return value == name
    if kind == "pydantic" and "pydantic" in module_names:
        return value == name
    return False


def model_config_call(stmt):
    """The ConfigDict(...) call of `model_config = ConfigDict(...)`, else None."""
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
        target, value = stmt.targets[0], stmt.value
    elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
        target, value = stmt.target, stmt.value
    else:
        return None
    if not (isinstance(target, ast.Name) and target.id == "model_config" and isinstance(value, ast.Call)):
        return None
    fn = value.func
    if isinstance(fn, ast.Name) and fn.id == "ConfigDict":
        return value
    if isinstance(fn, ast.Attribute) and fn.attr == "ConfigDict" and isinstance(fn.value, ast.Name) and fn.value.id == "pydantic":
        return value
    return None


def arbitrary_types_keyword(call):
    for kw in call.keywords:
        if kw.arg == "arbitrary_types_allowed" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
            return kw
    return None


def pydantic_workaround_classes(scope):
    """Top-level classes inheriting pydantic.BaseModel with arbitrary_types_allowed=True."""
    out = []
    for cls in scope.tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        base = next((b for b in cls.bases if resolves_to(scope, b, ("pydantic",), "BaseModel")), None)
        if base is None:
            continue
        for stmt in cls.body:
            call = model_config_call(stmt)
            if call is not None and arbitrary_types_keyword(call) is not None:
                out.append((cls, base, stmt, call))
                break
    return out


def deprecated_imports(tree):
    out = []
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module:
            for alias in stmt.names:
                why = DEPRECATED_IMPORTS.get((stmt.module, alias.name))
                if why:
                    out.append((stmt, alias, why))
    return out


def method_defs(cls, name):
    return [s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == name]


def file_annotations(scope, fn):
    """Annotations of fn's parameters and return that name cog.File."""
    out = []
    nodes = [a.annotation for a in list(fn.args.args) + list(fn.args.kwonlyargs) if a.annotation is not None]
    if fn.returns is not None:
        nodes.append(fn.returns)
    for ann in nodes:
        for node in ast.walk(ann):
            if isinstance(node, (ast.Name, ast.Attribute)) and resolves_to(scope, node, ("cog",), "File"):
                out.append(node)
    return out


def scan(src, tree, filename, targets):
    """targets: [(name, mode)]. Returns (findings, facts)."""
    scope = ModuleScope(tree, filename)
    findings = []
    classes = [s.name for s in tree.body if isinstance(s, ast.ClassDef)]
    functions = [s.name for s in tree.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
    facts = {"classes": classes, "functions": functions, "targets": {}}

    for stmt, alias, why in deprecated_imports(tree):
        findings.append(finding("python-deprecated-imports", "error", why, stmt, src, "Remove the import of %s from %s" % (alias.name, stmt.module), True))

    for cls, base, stmt, call in pydantic_workaround_classes(scope):
        findings.append(
            finding(
                "python-pydantic-basemodel",
                "error",
                "%s inherits from pydantic.BaseModel with arbitrary_types_allowed; use cog.BaseModel instead" % cls.name,
                cls,
                src,
                "Replace pydantic.BaseModel with cog.BaseModel and remove ConfigDict(arbitrary_types_allowed=True)",
                True,
            )
        )

    for name, mode in targets:
        node = scope.classes.get(name) or scope.functions.get(name)
        if node is None:
            facts["targets"][name] = None
            continue
        info = {"kind": "class" if isinstance(node, ast.ClassDef) else "function", "line": node.lineno}
        facts["targets"][name] = info
        methods = [node]
        if isinstance(node, ast.ClassDef):
            runs, predicts, trains = method_defs(node, "run"), method_defs(node, "predict"), method_defs(node, "train")
            info.update({"run": [m.lineno for m in runs], "predict": [m.lineno for m in predicts], "train": [m.lineno for m in trains]})
            predictor_bases = [b for b in node.bases if resolves_to(scope, b, ("cog",), "BasePredictor")]
            info["base_predictor"] = bool(predictor_bases)
            if mode == "predict":
                if runs and predicts:
                    findings.append(
                        finding(
                            "run-predict-collision",
                            "error",
                            "%s defines both run() (line %d) and predict() (line %d); Cog 0.17+ refuses it and edgecog runs run()" % (name, runs[0].lineno, predicts[0].lineno),
                            predicts[0],
                            src,
                            "Keep one: rename predict() to run(), or remove run()",
                        )
                    )
                methods = runs or predicts
                for base in predictor_bases:
                    findings.append(finding("predict-to-run", "warning", "BasePredictor is deprecated; use BaseRunner", base, src, "Run edgecog doctor --fix to migrate", False))
                if predicts and not runs:
                    findings.append(finding("predict-to-run", "warning", "%s.predict() is deprecated; use run()" % name, predicts[0], src, "Rename predict() to run()", False))
            else:
                methods = trains
            for m in methods:
                if m.returns is None:
                    findings.append(
                        finding(
                            "python-type-annotations",
                            "warning",
                            "%s.%s() is missing a return type annotation" % (name, m.name),
                            m,
                            src,
                            "Add a return type annotation: def %s(self, ...) -> YourType:" % m.name,
                        )
                    )
        elif node.returns is None:
            findings.append(
                finding("python-type-annotations", "warning", "%s() is missing a return type annotation" % name, node, src, "Add a return type annotation: def %s(...) -> YourType:" % name)
            )
        for m in methods:
            for ann in file_annotations(scope, m):
                findings.append(
                    finding("python-deprecated-types", "warning", "cog.File is deprecated; use cog.Path (a path on disk instead of an open file)", ann, src, "Annotate with Path and open the file yourself: with open(path, 'rb') as f: ...")
                )
    return findings, facts
