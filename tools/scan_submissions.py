"""Flag submissions whose code reaches for the grading machinery, for a human to look at.

Why a scan: nbgrader runs the checks in the same Python process as the student's code, so
code that imports ``exercise_code.grading`` and replaces a check, patches ``builtins`` or
``sys.modules``, or runs shell commands could make wrong answers pass. The locked test cells
and the restored helper files stop the easy ways (tests/nbgrader); code inside the student's
own files cannot be stopped from inside the process. It can be seen, though: solving this
exercise needs numpy and nothing else, so we parse every file a student edits and every
code cell of the notebook, and report

- imports that the released file or notebook does not already have, except numpy and math
  (``exercise_code.grading`` is never allowed),
- builtins that execute or reach around code: ``exec``, ``eval``, ``compile``,
  ``__import__``, ``globals``, ``setattr``, ``open`` ...,
- dunder attributes that reach into other code: ``__code__``, ``__globals__``, ``__dict__``,
  and modules reached as attributes of others (``np.lib._npyio_impl.os``),
- assignments into modules (``np.allclose = ...`` would make every comparison pass),
- any use of ``grading``, the name the test cells bind in the notebook's namespace,
- IPython shell escapes and magics other than the ones the release uses.

A finding is not a verdict: the autograde hook in ``nbgrader_config.py`` marks the
submission *flagged* in the gradebook (the formgrader lists it) and logs the findings; the
grade stands until a human has looked. Usage, from the course root::

    .venv/bin/python -m tools.scan_submissions ex04     # every submitted/<student>/ex04

Exit status 0 when nothing was found, 1 when some submission was flagged.
"""

import argparse
import ast
import functools
import json
import sys
from dataclasses import dataclass
from pathlib import Path

ALWAYS_ALLOWED = ("numpy", "math")
FORBIDDEN_MODULES = ("exercise_code.grading",)
FORBIDDEN_BUILTINS = {
    "__builtins__",
    "__import__",
    "breakpoint",
    "compile",
    "delattr",
    "eval",
    "exec",
    "globals",
    "locals",
    "open",
    "setattr",
    "vars",
}
FORBIDDEN_ATTRIBUTES = {
    "__builtins__",
    "__class__",
    "__closure__",
    "__code__",
    "__dict__",
    "__func__",
    "__globals__",
    "__import__",
    "__loader__",
    "__mro__",
    "__spec__",
    "__subclasses__",
}
# Modules that other modules import and so expose as attributes: np.lib._npyio_impl.os
# reaches os without an import statement.
FORBIDDEN_MODULE_ATTRIBUTES = {
    "builtins",
    "ctypes",
    "importlib",
    "os",
    "shutil",
    "signal",
    "subprocess",
    "sys",
}
# Names of modules a cell may have imported earlier: assigning to their attributes patches
# code the checks use (np.allclose = ... would make every comparison pass).
MODULE_ALIASES = {"np", "numpy", "math", "plt", "matplotlib", "widgets", "ipywidgets"}
# Names the test cells bind in the notebook's namespace; student code must not touch them.
GRADING_NAMES = {"grading", "GradingFailure"}
# Line magics a student may use; cell magics (%%bash, %%writefile, ...) and shell escapes
# (!cmd) never.
ALLOWED_MAGICS = {"autoreload", "load_ext", "matplotlib", "time", "timeit"}


@dataclass(frozen=True)
class Finding:
    path: str  # relative to the submission folder; "notebook.ipynb, cell 7" for a cell
    line: int
    reason: str

    def __str__(self):
        return f"{self.path}, line {self.line}: {self.reason}"


def _module_of(node, package):
    """The absolute module names an import node imports (relative ones resolved)."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ""
    if node.level:
        # Inside module a.b.c, "from . import x" is a.b.x and "from .. import x" is a.x.
        parts = package.split(".")[: -node.level]
        base = ".".join(parts + ([base] if base else []))
    # "from exercise_code import grading" imports the submodule exercise_code.grading.
    return [base] + [f"{base}.{alias.name}" for alias in node.names]


def _imports(tree, package):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(_module_of(node, package))
    return names


def _within(name, modules):
    return any(name == m or name.startswith(m + ".") for m in modules)


def scan_code(code, where, allowed_imports, package=""):
    """Findings in the Python source ``code`` (already free of IPython syntax)."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []  # code that cannot be parsed cannot run either: nothing to hide
    findings = []
    modules = set(MODULE_ALIASES)
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            modules.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
    # The get_ipython() of a magic call: _check_magic judges the magic itself.
    magic_get_ipython = {id(n.func.value.func) for n in ast.walk(tree) if _is_magic_call(n)}
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        for target in _assigned(node):
            if isinstance(target, ast.Attribute) and _root_name(target) in modules:
                findings.append(
                    Finding(where, line, f"assigns to {ast.unparse(target)}, part of a module")
                )
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for name in _module_of(node, package):
                if not name:
                    continue
                if _within(name, FORBIDDEN_MODULES):
                    findings.append(Finding(where, line, f"imports {name}, the grading code"))
                elif not (_within(name, ALWAYS_ALLOWED) or _within(name, allowed_imports)):
                    findings.append(Finding(where, line, f"imports {name}"))
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_BUILTINS:
            findings.append(Finding(where, line, f"uses {node.id}"))
        elif isinstance(node, ast.Name) and node.id in GRADING_NAMES:
            findings.append(Finding(where, line, f"uses {node.id}, the grading code"))
        elif isinstance(node, ast.Attribute) and node.attr in GRADING_NAMES:
            findings.append(Finding(where, line, f"uses .{node.attr}, the grading code"))
        elif isinstance(node, ast.Name) and node.id == "get_ipython":
            if id(node) not in magic_get_ipython:
                findings.append(Finding(where, line, "uses get_ipython() beyond plain magics"))
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_ATTRIBUTES:
            findings.append(Finding(where, line, f"uses the attribute {node.attr}"))
        elif isinstance(node, ast.Attribute) and node.attr in FORBIDDEN_MODULE_ATTRIBUTES:
            findings.append(Finding(where, line, f"reaches the module {node.attr}"))
        if isinstance(node, ast.Call) and _is_magic_call(node):
            findings.extend(_check_magic(node, where, line))
    # A finding repeated on one line (the same reason twice) is reported once.
    return sorted(set(findings), key=lambda f: (f.line, f.reason))


def _root_name(node):
    """'np' for the expression np.testing.assert_allclose; None if it is not a name chain."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _assigned(node):
    """The targets that ``node`` assigns to or deletes."""
    if isinstance(node, ast.Assign):
        return node.targets
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        return [node.target]
    if isinstance(node, ast.Delete):
        return node.targets
    return []


def _is_get_ipython(func):
    return isinstance(func, ast.Name) and func.id == "get_ipython"


def _is_magic_call(node):
    if not isinstance(node, ast.Call):
        return False
    func = node.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr in {"run_line_magic", "run_cell_magic"}
        and isinstance(func.value, ast.Call)
        and _is_get_ipython(func.value.func)
    )


def _check_magic(node, where, line):
    if node.func.attr == "run_cell_magic":
        return [Finding(where, line, "uses a cell magic")]
    name = node.args[0].value if node.args and isinstance(node.args[0], ast.Constant) else "?"
    if name in ALLOWED_MAGICS:
        return []
    return [Finding(where, line, f"uses the magic %{name}")]


def _python_of_cell(source):
    """IPython cell source as plain Python (magics and ! become get_ipython() calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except SyntaxError:
        return source


def _code_cells(notebook_path):
    """(index, source) of every code cell that is not an nbgrader test cell.

    Test cells are replaced by the instructor's copy during autograding (their source is
    restored from the gradebook), so what a student wrote there never runs.
    """
    nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    for index, cell in enumerate(nb.get("cells", [])):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.get("cell_type") != "code" or (meta.get("grade") and not meta.get("solution")):
            continue
        source = cell.get("source", "")
        yield index, "".join(source) if isinstance(source, list) else source


def _package_of(rel):
    """'exercise_code/networks/loss.py' -> 'exercise_code.networks.loss' (for relative imports)."""
    return ".".join(Path(rel).with_suffix("").parts)


def allowed_imports(release):
    """What the release already imports, per file: a student may keep every import."""
    return _allowed_imports(str(Path(release).resolve()))


@functools.cache  # the release does not change while a batch is graded
def _allowed_imports(release):
    release = Path(release)
    allowed = {}
    for path in release.rglob("*.py"):
        rel = path.relative_to(release).as_posix()
        allowed[rel] = _imports(ast.parse(path.read_text(encoding="utf-8")), _package_of(rel))
    for path in release.glob("*.ipynb"):
        names = set()
        for _, source in _code_cells(path):
            try:
                names |= _imports(ast.parse(_python_of_cell(source)), "")
            except SyntaxError:
                continue
        allowed[path.name] = names
    return allowed


def scan_submission(folder, release, student_files):
    """Findings in one submission folder: its ``student_files`` and its notebooks."""
    folder = Path(folder)
    allowed = allowed_imports(release)
    findings = []
    for rel in student_files:
        path = folder / rel
        if path.is_file():
            code = path.read_text(encoding="utf-8", errors="replace")
            findings += scan_code(code, rel, allowed.get(rel, set()), _package_of(rel))
    for path in sorted(folder.glob("*.ipynb")):
        try:
            cells = list(_code_cells(path))
        except (ValueError, OSError):
            continue  # invalid notebook JSON: nbgrader reports that one itself
        for index, source in cells:
            where = f"{path.name}, cell {index}"
            code = _python_of_cell(source)
            findings += scan_code(code, where, allowed.get(path.name, set()))
    return findings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("assignment")
    parser.add_argument("--course", default=".", help="the course root (default: .)")
    args = parser.parse_args(argv)
    course = Path(args.course)
    from tools.course import STUDENT_FILES  # here: nbgrader_config.py loads this file by path

    release = course / "release" / args.assignment
    flagged = 0
    for folder in sorted((course / "submitted").glob(f"*/{args.assignment}")):
        findings = scan_submission(folder, release, STUDENT_FILES)
        if findings:
            flagged += 1
            print(f"{folder.parent.name}: {len(findings)} finding(s)")
            for finding in findings:
                print(f"    {finding}")
    print(f"{flagged} submission(s) flagged")
    return 1 if flagged else 0


if __name__ == "__main__":
    sys.exit(main())
