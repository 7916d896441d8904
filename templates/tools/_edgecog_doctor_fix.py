"""The safe rewrites of `edgecog doctor --fix`, as Cog's doctor does them: each parses the text
it is given, edits by position (comments and formatting elsewhere stay), and returns the new
text, or raises Refused when the shape is not one it can rewrite safely."""
import ast

from _edgecog_doctor_checks import arbitrary_types_keyword, deprecated_imports, pydantic_workaround_classes
from _edgecog_doctor_source import Source, apply_edits, identifiers, insertion_point, rewrite_import_from
from _edgecog_static_scope import ModuleScope


class Refused(Exception):
    pass


def _parse(text):
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        raise Refused("the file does not parse (%s)" % exc.msg)


def remove_deprecated_imports(text):
    tree = _parse(text)
    src = Source(text)
    found = deprecated_imports(tree)
    if not found:
        return text
    names = set()
    drop_by_stmt = {}
    for stmt, alias, _why in found:
        names.add(alias.asname or alias.name)
        drop_by_stmt.setdefault(id(stmt), (stmt, set()))[1].add(alias.name)
    edits = [rewrite_import_from(src, stmt, drop=drop) for stmt, drop in drop_by_stmt.values()]
    # Top-level statements that only exist to use the name (warnings.filterwarnings(...)) go too.
    for stmt in tree.body:
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            continue
        uses = [n for n in identifiers(stmt) if n.id in names]
        if uses:
            if not isinstance(stmt, ast.Expr):
                raise Refused("%s is still used at line %d" % (uses[0].id, uses[0].lineno))
            edits.append((src.line_start(src.start(stmt)), src.line_end(src.end(stmt) - 1), ""))
    fixed = apply_edits(text, edits)
    tree2 = _parse(fixed)
    left = [n for n in identifiers(tree2) if n.id in names]
    if left:
        raise Refused("%s is still used at line %d" % (left[0].id, left[0].lineno))
    return remove_orphaned_imports(fixed, candidates={"warnings"})


def remove_orphaned_imports(text, candidates):
    """Drops `import X` (X in candidates) that nothing uses any more."""
    tree = _parse(text)
    src = Source(text)
    used = {n.id for n in identifiers(tree)}
    edits = []
    for stmt in tree.body:
        if isinstance(stmt, ast.Import) and len(stmt.names) == 1:
            alias = stmt.names[0]
            bound = alias.asname or alias.name.split(".")[0]
            if alias.name in candidates and bound not in used:
                edits.append((src.line_start(src.start(stmt)), src.line_end(src.end(stmt) - 1), ""))
    return apply_edits(text, edits)


def replace_pydantic_basemodel(text):
    tree = _parse(text)
    src = Source(text)
    scope = ModuleScope(tree, "")
    flagged = pydantic_workaround_classes(scope)
    if not flagged:
        return text
    flagged_names = {cls.name for cls, _b, _s, _c in flagged}
    # A class we leave alone still needs pydantic's bare BaseModel: then cog's comes in aliased.
    keeps_bare = any(
        isinstance(cls, ast.ClassDef) and cls.name not in flagged_names and any(isinstance(b, ast.Name) and b.id == "BaseModel" for b in cls.bases)
        for cls in tree.body
    )
    if scope.imports.get("BaseModel", (None,))[0] != "pydantic":
        keeps_bare = False
    target = "CogBaseModel" if keeps_bare else "BaseModel"
    edits = []
    for cls, base, stmt, call in flagged:
        edits.append((src.start(base), src.end(base), target))
        kw = arbitrary_types_keyword(call)
        others = [k for k in call.keywords if k is not kw] + list(call.args)
        if not others:
            edits.append((src.line_start(src.start(stmt)), src.line_end(src.end(stmt) - 1), ""))
        else:
            edits.append(_remove_keyword(src, call, kw))
    fixed = apply_edits(text, edits)
    return _settle_basemodel_imports(fixed, target)


def _remove_keyword(src, call, kw):
    """The keyword `arbitrary_types_allowed=True` with its comma, inside call(...)."""
    start = src.offset(kw.lineno, kw.col_offset) if hasattr(kw, "lineno") else src.start(kw.value) - len("arbitrary_types_allowed=")
    end = src.end(kw.value)
    text = src.text
    j = end
    while j < len(text) and text[j] in " \t":
        j += 1
    if j < len(text) and text[j] == ",":
        j += 1
        while j < len(text) and text[j] in " \t":
            j += 1
        return (start, j, "")
    i = start
    while i > 0 and text[i - 1] in " \t\n":
        i -= 1
    if i > 0 and text[i - 1] == ",":
        i -= 1
    return (i, end, "")


def _settle_basemodel_imports(text, target):
    tree = _parse(text)
    src = Source(text)
    used = {n.id for n in identifiers(tree)}
    pydantic_attr = any(isinstance(n, ast.Attribute) and isinstance(n.value, ast.Name) and n.value.id == "pydantic" for n in ast.walk(tree))
    edits = []
    cog_import = None
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "pydantic" and not stmt.level:
            drop = [a.name for a in stmt.names if a.name in ("BaseModel", "ConfigDict") and (a.asname or a.name) not in used]
            if target == "BaseModel" and any(a.name == "BaseModel" and not a.asname for a in stmt.names):
                drop.append("BaseModel")  # the name now means cog's
            if drop:
                edits.append(rewrite_import_from(src, stmt, drop=set(drop)))
        elif isinstance(stmt, ast.Import) and [a.name for a in stmt.names] == ["pydantic"] and not stmt.names[0].asname and not pydantic_attr:
            edits.append((src.line_start(src.start(stmt)), src.line_end(src.end(stmt) - 1), ""))
        elif isinstance(stmt, ast.ImportFrom) and stmt.module == "cog" and not stmt.level and cog_import is None:
            cog_import = stmt
    fragment = "BaseModel" if target == "BaseModel" else "BaseModel as CogBaseModel"
    if cog_import is not None:
        bound = {(a.asname or a.name) for a in cog_import.names}
        if target not in bound:
            edits.append(rewrite_import_from(src, cog_import, add=[fragment]))
    else:
        at = insertion_point(src, tree)
        edits.append((at, at, "from cog import %s\n" % fragment))
    return apply_edits(text, edits)


def migrate_predict_to_run(text, class_name="Predictor"):
    """Cog's starter-shape migration: class Predictor(BasePredictor) with one predict() becomes
    class Runner(BaseRunner) with run(); the BasePredictor import follows."""
    tree = _parse(text)
    src = Source(text)
    scope = ModuleScope(tree, "")
    classes = [s for s in tree.body if isinstance(s, ast.ClassDef) and s.name == class_name]
    if len(classes) != 1:
        raise Refused("automatic migration only supports a single %s class" % class_name)
    cls = classes[0]
    predicts = [s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "predict"]
    runs = [s for s in cls.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef)) and s.name == "run"]
    if len(predicts) != 1 or runs:
        raise Refused("automatic migration only supports a %s class with a single predict method" % class_name)
    edits = [(src.keyword_name(cls, "class"), src.keyword_name(cls, "class") + len(class_name), "Runner")]
    at = src.keyword_name(predicts[0], "def")
    edits.append((at, at + len("predict"), "run"))
    bases = [b for b in cls.bases if isinstance(b, ast.Name) and b.id == "BasePredictor"]
    aliased = [b for b in cls.bases if isinstance(b, ast.Name) and b.id != "BasePredictor" and scope.imports.get(b.id) in (("cog", "BasePredictor"), ("cog.predictor", "BasePredictor"))]
    if aliased:
        raise Refused("automatic migration does not support aliased BasePredictor inheritance")
    if bases:
        origin = scope.imports.get("BasePredictor")
        if origin not in (("cog", "BasePredictor"), ("cog.predictor", "BasePredictor")):
            raise Refused("automatic migration only supports BasePredictor imported from cog")
        for b in bases:
            edits.append((src.start(b), src.end(b), "BaseRunner"))
        others = [n for n in identifiers(tree) if n.id == "BasePredictor" and n not in bases]
        for stmt in tree.body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module in ("cog", "cog.predictor") and any(a.name == "BasePredictor" and not a.asname for a in stmt.names):
                for pos in src.name_tokens_in(stmt, "BasePredictor"):
                    if others:  # still used elsewhere: import both
                        edits.append((pos + len("BasePredictor"), pos + len("BasePredictor"), ", BaseRunner"))
                    else:
                        edits.append((pos, pos + len("BasePredictor"), "BaseRunner"))
    return apply_edits(text, edits)
