"""Source positions and text edits for `edgecog doctor` (host python3, stdlib only, 3.8+).

`ast` columns are UTF-8 byte offsets; everything here works in *character* offsets into the
decoded text, so edits apply to the str and the TypeScript side sees code-point columns.
"""
import ast
import io
import tokenize


class Source:
    def __init__(self, text):
        self.text = text
        self.lines = text.splitlines(True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))
        self._tokens = None

    def offset(self, line, byte_col):
        """Absolute char offset of (1-based line, UTF-8 byte column)."""
        if line - 1 >= len(self.lines):
            return len(self.text)
        raw = self.lines[line - 1].encode("utf-8")
        return self.starts[line - 1] + len(raw[:byte_col].decode("utf-8", "replace"))

    def start(self, node):
        return self.offset(node.lineno, node.col_offset)

    def end(self, node):
        return self.offset(node.end_lineno, node.end_col_offset)

    def column(self, node):
        """1-based character column of a node's start."""
        return self.start(node) - self.starts[node.lineno - 1] + 1

    def line_start(self, offset):
        return self.text.rfind("\n", 0, offset) + 1

    def line_end(self, offset):
        """Offset just past the newline ending the line that holds `offset`."""
        i = self.text.find("\n", offset)
        return len(self.text) if i < 0 else i + 1

    def tokens(self):
        if self._tokens is None:
            self._tokens = list(tokenize.generate_tokens(io.StringIO(self.text).readline))
        return self._tokens

    def name_tokens_in(self, node, name):
        """Char offsets of NAME tokens equal to `name` inside node's span (import lists)."""
        lo, hi = self.start(node), self.end(node)
        out = []
        for tok in self.tokens():
            if tok.type != tokenize.NAME or tok.string != name:
                continue
            at = self.starts[tok.start[0] - 1] + tok.start[1]
            if lo <= at < hi:
                out.append(at)
        return out

    def keyword_name(self, node, keyword):
        """Offset of the name after `class`/`def` in a ClassDef/FunctionDef header."""
        for tok_index, tok in enumerate(self.tokens()):
            at = self.starts[tok.start[0] - 1] + tok.start[1]
            if at < self.start(node):
                continue
            if tok.type == tokenize.NAME and tok.string == keyword:
                nxt = self.tokens()[tok_index + 1]
                return self.starts[nxt.start[0] - 1] + nxt.start[1]
        return None


def apply_edits(text, edits):
    """edits: (start, end, replacement) char ranges, non-overlapping; applied back to front."""
    out = text
    for start, end, replacement in sorted(edits, key=lambda e: (e[0], e[1]), reverse=True):
        out = out[:start] + replacement + out[end:]
    return out


def imported_names(node):
    """[(original, alias or None)] of a `from X import ...` statement."""
    return [(a.name, a.asname) for a in node.names]


def rewrite_import_from(src, node, drop=(), add=()):
    """An edit that rewrites `from M import ...` without `drop` and with `add` (single line),
    or removes the whole statement line when nothing is left."""
    module = ("." * (node.level or 0)) + (node.module or "")
    kept = []
    for name, alias in imported_names(node):
        if name in drop:
            continue
        kept.append("%s as %s" % (name, alias) if alias else name)
    for extra in add:
        if extra not in kept:
            kept.append(extra)
    start, end = src.start(node), src.end(node)
    if not kept:
        line_start = src.line_start(start)
        if src.text[line_start:start].strip() == "":
            return (line_start, src.line_end(end - 1 if end > start else end), "")
        return (start, end, "pass")
    return (start, end, "from %s import %s" % (module, ", ".join(kept)))


def identifiers(tree, exclude_imports=True):
    """Every Name id used outside import statements, with its node."""
    out = []
    for node in ast.walk(tree):
        if exclude_imports and isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Name):
            out.append(node)
    return out


def insertion_point(src, tree):
    """Where a new import line goes: after a module docstring and `from __future__` imports."""
    offset = 0
    for stmt in tree.body:
        if isinstance(stmt, ast.Expr) and isinstance(getattr(stmt, "value", None), ast.Constant) and isinstance(stmt.value.value, str):
            offset = src.line_end(src.end(stmt) - 1)
            continue
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "__future__":
            offset = src.line_end(src.end(stmt) - 1)
            continue
        break
    return offset
