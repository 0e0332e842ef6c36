"""Replace the solution regions of Python source files with stubs that raise.

nbgrader clears ``### BEGIN SOLUTION`` / ``### END SOLUTION`` regions in notebooks only; it
copies every other file verbatim. This module does the same job for ``.py`` files: each
region becomes a stub, indented like the region, that raises ``NotImplementedError`` naming
the task, so an unfinished part fails loudly instead of returning ``None``.

A region is named after the function that encloses it: ``Class.method`` for a method
(``"BCE.forward"``, ``"Classifier.sigmoid"``, ``"Solver._step"``), the bare function name
otherwise. ``keep`` names regions to leave solved (their markers are removed), which builds
"exactly one part solved" submissions from the real source.

Usage: ``python -m tools.release.strip_solutions FILE...`` strips the files in place.
"""

import argparse
import os
import re
import sys
from dataclasses import dataclass

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"

_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(")
_CLASS = re.compile(r"^(\s*)class\s+(\w+)\b")


class SolutionMarkerError(ValueError):
    """The solution markers are unbalanced, nested, or not on a line of their own."""


@dataclass(frozen=True)
class Region:
    """One solution region: lines ``begin`` (the BEGIN marker) to ``end`` (the END marker),
    0-based and inclusive; ``indent`` is the marker's indentation; ``name`` the task."""

    name: str
    begin: int
    end: int
    indent: str
    body: tuple  # the lines strictly between the markers, without line endings


def _indent_of(line):
    return line[: len(line) - len(line.lstrip())]


def _enclosing_name(lines, index, indent):
    """Name of the function (``Class.method`` for a method) enclosing line ``index``."""
    func, func_indent = None, None
    for j in range(index - 1, -1, -1):
        line = lines[j]
        if not line.strip():
            continue
        if func is None:
            m = _DEF.match(line)
            if m and len(m.group(1)) < len(indent):
                func, func_indent = m.group(2), m.group(1)
        else:
            m = _CLASS.match(line)
            if m and len(m.group(1)) < len(func_indent):
                return f"{m.group(2)}.{func}"
            if not _indent_of(line) and not line.lstrip().startswith(("#", "@", ")")):
                break  # back at module level without meeting a class
    return func or "module"


def find_regions(text, filename="<text>"):
    """Return the solution regions of ``text`` (a whole source file), in order.

    :raises SolutionMarkerError: a BEGIN without END, an END without BEGIN, nested
        regions, or a marker that shares its line with code.
    """
    lines = text.splitlines()
    regions, open_at = [], None
    for i, line in enumerate(lines):
        stripped = line.strip()
        has_begin, has_end = BEGIN in line, END in line
        if (has_begin or has_end) and stripped not in (BEGIN, END):
            raise SolutionMarkerError(
                f"{filename}:{i + 1}: a solution marker must stand alone on its line: {line!r}"
            )
        if has_begin:
            if open_at is not None:
                raise SolutionMarkerError(
                    f"{filename}:{i + 1}: BEGIN SOLUTION inside the region opened at line "
                    f"{open_at + 1} (regions cannot be nested)"
                )
            open_at = i
        elif has_end:
            if open_at is None:
                raise SolutionMarkerError(f"{filename}:{i + 1}: END SOLUTION without BEGIN")
            indent = _indent_of(lines[open_at])
            regions.append(
                Region(
                    name=_enclosing_name(lines, open_at, indent),
                    begin=open_at,
                    end=i,
                    indent=indent,
                    body=tuple(lines[open_at + 1 : i]),
                )
            )
            open_at = None
    if open_at is not None:
        raise SolutionMarkerError(
            f"{filename}:{open_at + 1}: BEGIN SOLUTION is never closed by END SOLUTION"
        )
    return regions


def region_names(text, filename="<text>"):
    """The names of the solution regions of ``text``, in order."""
    return [r.name for r in find_regions(text, filename)]


def stub_lines(region):
    """The lines that replace ``region`` in the student's copy."""
    return [
        f"{region.indent}# YOUR CODE HERE ({region.name}): replace the raise below.",
        f'{region.indent}raise NotImplementedError("{region.name} is not implemented yet: '
        f'write it here (see the docstring above).")',
    ]


def strip_solutions(text, keep=(), filename="<text>"):
    """Return ``text`` with every solution region replaced by a stub.

    :param text: the content of a Python source file.
    :param keep: names of regions to keep solved (their code stays, their markers go).
    :param filename: used in error messages only.
    :return: the stripped text; it keeps ``text``'s final newline (or lack of one).
    :raises SolutionMarkerError: as ``find_regions``.
    """
    keep = set(keep)
    lines = text.splitlines()
    out, pos = [], 0
    for region in find_regions(text, filename):
        out.extend(lines[pos : region.begin])
        if region.name in keep:
            out.extend(region.body)
        else:
            out.extend(stub_lines(region))
        pos = region.end + 1
    out.extend(lines[pos:])
    result = "\n".join(out)
    if text.endswith("\n"):
        result += "\n"
    return result


def solution_lines(text, filename="<text>"):
    """The non-blank lines inside the solution regions of ``text``, stripped of spaces."""
    return [line.strip() for r in find_regions(text, filename) for line in r.body if line.strip()]


def strip_file(path, keep=()):
    """Strip the solution regions of the file at ``path`` in place.

    Refuses a symbolic link: writing through it would strip the instructor's source.
    :return: the names of the regions replaced by stubs.
    """
    if os.path.islink(path):
        raise OSError(f"{path} is a symbolic link; refusing to write through it")
    with open(path, encoding="utf-8") as f:
        text = f.read()
    stripped = strip_solutions(text, keep=keep, filename=path)
    if stripped != text:
        with open(path, "w", encoding="utf-8") as f:
            f.write(stripped)
    return [r.name for r in find_regions(text, path) if r.name not in set(keep)]


def strip_tree(root, keep=()):
    """Strip every ``.py`` file below ``root`` in place; return {path: [stubbed names]}."""
    done = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d != "__pycache__")
        for name in sorted(filenames):
            if name.endswith(".py"):
                path = os.path.join(dirpath, name)
                names = strip_file(path, keep)
                if names:
                    done[path] = names
    return done


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="+", help=".py files to strip in place")
    parser.add_argument("--keep", action="append", default=[], help="a region to keep solved")
    args = parser.parse_args(argv)
    for path in args.files:
        for name in strip_file(path, args.keep):
            print(f"{path}: stubbed {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
