"""Generate the student release ``release/ex04`` with the real nbgrader, then verify it.

    .venv/bin/python -m tools.release.generate          # = make release
    .venv/bin/python -m tools.release.generate --check  # is the committed release up to date?

Steps:
1. Link the package into the assignment: ``source/ex04/exercise_code/`` holds one relative
   symbolic link per file of the top-level ``exercise_code/`` (the one source of truth).
   A link to the whole folder would not do: nbgrader walks the source with ``os.walk``,
   which does not follow a linked folder, so the package would be missing from the release.
   Links to files are followed (nbgrader copies real files).
   Write the points of ``tools/course.py`` (``POINTS``) into the source notebook: each
   graded cell's nbgrader metadata and the "(N points)" of its first line, each part's
   heading and the table of points; and the numbers to expect after training, computed with
   the reference (tools/release/notebook_text.py).
2. ``nbgrader generate_assignment ex04 --force``: clears the notebook's solutions, hidden
   tests and outputs, adds the header, records the graded cells in ``gradebook.db``
   (gitignored), copies the package, and runs the post-convert hook of
   ``nbgrader_config.py`` that stubs the ``.py`` solution regions.
3. Verify, and exit non-zero on any problem (nbgrader exits 0 even if its hook failed):
   every ``.py`` file of the release equals its source with the solutions stubbed; no line of
   a solution or hidden test appears anywhere (notebook sources, outputs, metadata, every
   text file); no solution or hidden-test marker; no symbolic link; no output.

The release is deterministic: generating twice gives the same bytes (``--check`` compares a
fresh release, built in a temporary copy of the course, with the committed one).
"""

import argparse
import filecmp
import json
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

from tools.vendor import vendor_dir
import nbformat

from tools.course import ASSIGNMENT, NOTEBOOK, POINTS
from tools.nbgrader_env import run_nbgrader
from tools.release.notebook_text import sync_text
from tools.release.strip_solutions import BEGIN, END, find_regions, strip_solutions

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PACKAGE = "exercise_code"
IGNORED = ("__pycache__", ".ipynb_checkpoints", ".pytest_cache")
HIDDEN_BEGIN = "### BEGIN HIDDEN TESTS"
HIDDEN_END = "### END HIDDEN TESTS"
MARKERS = (BEGIN, END, HIDDEN_BEGIN, HIDDEN_END)
# Lines this short (")", "],") occur everywhere; they carry no solution.
MIN_LINE_LENGTH = 6


class ReleaseError(RuntimeError):
    """The release could not be generated, or it failed verification."""


# --------------------------------------------------------------------------- links


def package_files(root=ROOT):
    """Relative paths of the files of the top-level package, sorted."""
    base = os.path.join(root, PACKAGE)
    out = []
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(d for d in dirnames if d not in IGNORED)
        out.extend(
            os.path.relpath(os.path.join(dirpath, f), base)
            for f in filenames
            if not f.endswith((".pyc", ".pyo"))
        )
    return sorted(out)


def sync_links(root=ROOT, check_only=False):
    """Make ``source/<assignment>/exercise_code`` mirror the package with file links.

    :return: a list of the changes made (or, with ``check_only``, needed).
    :raises ReleaseError: a regular file sits where a link belongs (someone edited a copy).
    """
    link_root = os.path.join(root, "source", ASSIGNMENT, PACKAGE)
    wanted = set(package_files(root))
    changes = []
    for rel in sorted(wanted):
        link = os.path.join(link_root, rel)
        target = os.path.relpath(os.path.join(root, PACKAGE, rel), os.path.dirname(link))
        if os.path.islink(link) and os.readlink(link) == target:
            continue
        if os.path.exists(link) and not os.path.islink(link):
            raise ReleaseError(
                f"{os.path.relpath(link, root)} is a regular file; edit {PACKAGE}/{rel} "
                f"instead and delete this copy"
            )
        changes.append(f"link {os.path.relpath(link, root)} -> {target}")
        if not check_only:
            os.makedirs(os.path.dirname(link), exist_ok=True)
            if os.path.islink(link):
                os.remove(link)
            os.symlink(target, link)
    for dirpath, dirnames, filenames in os.walk(link_root, topdown=False):
        for name in filenames + [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]:
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, link_root)
            if rel in wanted or name.endswith((".pyc", ".pyo")):
                continue
            if not os.path.islink(path):
                raise ReleaseError(f"{os.path.relpath(path, root)}: a file that is not a link")
            changes.append(f"remove stale link {os.path.relpath(path, root)}")
            if not check_only:
                os.remove(path)
        if not check_only and dirpath != link_root and not os.listdir(dirpath):
            os.rmdir(dirpath)
    return changes


# --------------------------------------------------------------------------- leaks


def _marked_lines(text, begin, end):
    """(inside, outside): stripped lines inside ``begin``/``end`` regions and outside them."""
    inside, outside, depth = [], [], 0
    for line in text.splitlines():
        s = line.strip()
        if s == begin:
            depth += 1
        elif s == end:
            depth -= 1
        elif s:
            (inside if depth > 0 else outside).append(s)
    return inside, outside


def _notebook_sources(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    return [
        "".join(c["source"]) if isinstance(c["source"], list) else c["source"] for c in nb["cells"]
    ]


def forbidden_lines(root=ROOT):
    """Every line that must not reach a student: solution regions and hidden tests.

    Taken from the package's ``.py`` files and the source notebooks. A line that also occurs
    outside these regions (so legitimately in the release) or is shorter than
    MIN_LINE_LENGTH is left out.
    """
    secret, public = set(), set()
    for rel in package_files(root):
        if rel.endswith(".py"):
            with open(os.path.join(root, PACKAGE, rel), encoding="utf-8") as f:
                text = f.read()
            inside, outside = _marked_lines(text, BEGIN, END)
            secret.update(inside)
            public.update(outside)
            public.update(strip_solutions(text).splitlines())
    source = os.path.join(root, "source", ASSIGNMENT)
    for name in sorted(os.listdir(source)):
        if name.endswith(".ipynb"):
            for cell in _notebook_sources(os.path.join(source, name)):
                for begin, end in ((BEGIN, END), (HIDDEN_BEGIN, HIDDEN_END)):
                    inside, outside = _marked_lines(cell, begin, end)
                    secret.update(inside)
                    public.update(outside)
    public = {line.strip() for line in public}
    return {s for s in secret - public if len(s) >= MIN_LINE_LENGTH}


def _strings(node, where):
    """Yield (where, string) for every string in a JSON document."""
    if isinstance(node, str):
        yield where, node
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from _strings(item, f"{where}[{i}]")
    elif isinstance(node, dict):
        for key, item in node.items():
            yield from _strings(key, f"{where}.<key>")
            yield from _strings(item, f"{where}.{key}")


def find_leaks(directory, forbidden, markers=MARKERS):
    """Scan every file below ``directory`` for a forbidden line or a marker.

    Notebooks are parsed and every string is scanned: cell sources, outputs (also images'
    alt text and HTML) and all metadata. Other files are scanned line by line as text.
    :return: a list of (path, where, line) tuples, empty if nothing leaked.
    """
    leaks = []

    def scan(path, where, text):
        # A JSON list of lines joins to text without newlines inside one string; splitlines
        # covers both forms.
        for line in text.splitlines():
            s = line.strip()
            if s in forbidden or any(m in s for m in markers):
                leaks.append((path, where, s))

    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames.sort()
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except UnicodeDecodeError:
                continue  # binary (an image): no source line can hide in it as text
            if name.endswith(".ipynb"):
                try:
                    nb = json.loads(text)
                except json.JSONDecodeError:
                    scan(path, "(invalid JSON)", text)
                    continue
                for where, s in _strings(nb, "notebook"):
                    scan(path, where, s)
            else:
                scan(path, "text", text)
    return leaks


# --------------------------------------------------------------------------- verify


def verify_release(release_dir, root=ROOT):
    """Return a list of problems with the release in ``release_dir`` (empty if none)."""
    problems = []
    if not os.path.isdir(release_dir):
        return [f"{release_dir} does not exist (a failing post-convert hook deletes it)"]
    for dirpath, dirnames, filenames in os.walk(release_dir):
        for name in dirnames + filenames:
            if os.path.islink(os.path.join(dirpath, name)):
                problems.append(f"symbolic link in the release: {os.path.join(dirpath, name)}")
    expected_files = {os.path.join(PACKAGE, rel) for rel in package_files(root)}
    expected_files |= {
        n for n in os.listdir(os.path.join(root, "source", ASSIGNMENT)) if n.endswith(".ipynb")
    }
    found = set()
    for dirpath, dirnames, filenames in os.walk(release_dir):
        dirnames[:] = [d for d in dirnames if d not in IGNORED]
        found.update(os.path.relpath(os.path.join(dirpath, f), release_dir) for f in filenames)
    for rel in sorted(expected_files - found):
        problems.append(f"missing from the release: {rel}")
    for rel in sorted(found - expected_files):
        problems.append(f"unexpected file in the release: {rel}")
    for rel in sorted(expected_files & found):
        if not rel.endswith(".py"):
            continue
        with open(os.path.join(root, rel), encoding="utf-8") as f:
            source = f.read()
        with open(os.path.join(release_dir, rel), encoding="utf-8") as f:
            released = f.read()
        if released != strip_solutions(source, filename=rel):
            problems.append(f"{rel} is not its source with the solutions stubbed (hook failed?)")
        for region in find_regions(source, rel):
            if f'raise NotImplementedError("{region.name} is not implemented yet' not in released:
                problems.append(f"{rel}: no stub for {region.name}")
    for rel in sorted(found):
        if rel.endswith(".ipynb"):
            with open(os.path.join(release_dir, rel), encoding="utf-8") as f:
                nb = json.load(f)
            for i, cell in enumerate(nb["cells"]):
                if cell.get("outputs") or cell.get("execution_count"):
                    problems.append(f"{rel}: cell {i} has outputs")
    for path, where, line in find_leaks(release_dir, forbidden_lines(root)):
        problems.append(f"LEAK in {os.path.relpath(path, release_dir)} at {where}: {line}")
    return problems


# --------------------------------------------------------------------------- generate


# --------------------------------------------------------------------------- points

# "(2 points)" in the first line of a graded cell: the points the student reads.
_POINTS_TEXT = re.compile(r"\(\d+ points?\)")


def points_text(points):
    return f"({points} point{'' if points == 1 else 's'})"


def sync_points(root=ROOT, check_only=False):
    """Write ``tools.course.POINTS`` into the source notebook: each graded cell's nbgrader
    ``points`` and the "(N points)" of its first line; and the text written from code
    (tools/release/notebook_text.py: the parts' headings, the table of points, the numbers
    to expect after training).

    :return: the graded cells changed (or, with ``check_only``, that need a change).
    :raises ReleaseError: a graded cell without points in POINTS, or one of POINTS without
        a cell, or a first line that does not state its points.
    """
    path = os.path.join(root, "source", ASSIGNMENT, f"{NOTEBOOK}.ipynb")
    notebook = nbformat.read(path, as_version=nbformat.NO_CONVERT)
    changes, seen = [], set()
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if not meta.get("grade"):
            continue
        part = meta.get("grade_id")
        if part not in POINTS:
            raise ReleaseError(f"the graded cell {part!r} has no points in tools/course.py")
        seen.add(part)
        first, _, rest = cell.source.partition("\n")
        if not _POINTS_TEXT.search(first):
            raise ReleaseError(f"the first line of the graded cell {part!r} states no points")
        line = _POINTS_TEXT.sub(points_text(POINTS[part]), first, count=1)
        if meta.get("points") != POINTS[part] or line != first:
            changes.append(f"points of {part}: {POINTS[part]}")
            meta["points"] = POINTS[part]
            cell.source = f"{line}\n{rest}" if rest or cell.source.endswith("\n") else line
    if set(POINTS) - seen:
        raise ReleaseError(f"no graded cell for {sorted(set(POINTS) - seen)}")
    try:
        changes += sync_text(notebook)
    except ValueError as exc:
        raise ReleaseError(f"the generated text of the notebook: {exc}") from exc
    if changes and not check_only:
        nbformat.write(notebook, path)
    return changes


def generate(course_dir=ROOT, quiet=False, env=None):
    """Regenerate ``<course_dir>/release/ex04`` and verify it; raise ReleaseError if bad.

    ``env``: nbgrader's environment (default: ours), e.g. with the gradebook's
    ``NBGRADER_DB_URL``, in which the assignment is recorded."""
    for change in sync_links(course_dir) + sync_points(course_dir):
        if not quiet:
            print(change)
    proc = run_nbgrader(course_dir, "generate_assignment", ASSIGNMENT, "--force", env=env)
    release_dir = os.path.join(course_dir, "release", ASSIGNMENT)
    if proc.returncode != 0:
        raise ReleaseError(f"nbgrader generate_assignment failed:\n{proc.stdout}{proc.stderr}")
    if "hook failed" in proc.stderr + proc.stdout:
        raise ReleaseError(f"the post-convert hook failed:\n{proc.stdout}{proc.stderr}")
    problems = verify_release(release_dir, course_dir)
    if problems:
        raise ReleaseError("the release failed verification:\n  " + "\n  ".join(problems))
    if not quiet:  # what the release hook stubbed, from nbgrader's log (a line per file)
        for line in (proc.stdout + proc.stderr).splitlines():
            if "] stripped " in line:
                print(line.split("] ", 1)[1])
    return release_dir


def copy_course(dest, root=ROOT):
    """Copy what nbgrader needs (config, source, package, tools) to ``dest``."""
    ignore = shutil.ignore_patterns(*IGNORED, "*.pyc")
    shutil.copy2(os.path.join(root, "nbgrader_config.py"), dest)
    shutil.copytree(
        os.path.join(root, "source"), os.path.join(dest, "source"), symlinks=True, ignore=ignore
    )
    shutil.copytree(os.path.join(root, PACKAGE), os.path.join(dest, PACKAGE), ignore=ignore)
    # nbgrader_config.py imports tools/ (its hooks, the grader); tools.grader.grade_parallel runs
    # from there.
    shutil.copytree(os.path.join(root, "tools"), os.path.join(dest, "tools"), ignore=ignore)
    # The npm packages the book's build vendors (MathJax, which typesets the feedback): linked,
    # not installed again.
    vendor = vendor_dir(Path(root))
    if vendor.is_dir():
        link = vendor_dir(Path(dest))
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(vendor)


def compare_trees(a, b):
    """Relative paths that differ between the trees ``a`` and ``b`` (content or presence)."""
    diffs = []

    def walk(cmp, prefix):
        diffs.extend(os.path.join(prefix, n) for n in cmp.left_only + cmp.right_only)
        diffs.extend(os.path.join(prefix, n) for n in cmp.diff_files + cmp.funny_files)
        for name, sub in sorted(cmp.subdirs.items()):
            walk(sub, os.path.join(prefix, name))

    walk(filecmp.dircmp(a, b, ignore=list(IGNORED)), "")
    # dircmp compares os.stat signatures first; compare the bytes of the rest to be sure.
    for dirpath, _, filenames in os.walk(a):
        for name in filenames:
            rel = os.path.relpath(os.path.join(dirpath, name), a)
            other = os.path.join(b, rel)
            if os.path.isfile(other) and not filecmp.cmp(
                os.path.join(a, rel), other, shallow=False
            ):
                diffs.append(rel)
    return sorted(set(diffs))


def check_up_to_date(root=ROOT):
    """Build a fresh release in a temporary copy of the course; return the differing paths."""
    with tempfile.TemporaryDirectory(prefix="release-check-") as tmp:
        copy_course(tmp, root)
        fresh = generate(tmp, quiet=True)
        committed = os.path.join(root, "release", ASSIGNMENT)
        if not os.path.isdir(committed):
            return ["release/ex04 (missing)"]
        stale = [f"source notebook: {c}" for c in sync_points(root, check_only=True)]
        return stale + compare_trees(fresh, committed)


def main(argv=None):
    parser = argparse.ArgumentParser(description="Generate and verify release/ex04.")
    parser.add_argument(
        "--check", action="store_true", help="only check that release/ is up to date"
    )
    parser.add_argument("--course-dir", default=ROOT, help="the course root (default: this repo)")
    args = parser.parse_args(argv)
    try:
        if args.check:
            diffs = check_up_to_date(args.course_dir)
            if diffs:
                print("release/ex04 is out of date; run `make release`. Differences:")
                for d in diffs:
                    print("  " + d)
                return 1
            print("release/ex04 is up to date")
            return 0
        release_dir = generate(os.path.abspath(args.course_dir))
    except ReleaseError as exc:
        print(f"ERROR: {exc}", file=sys.stderr)
        return 1
    print(f"release verified: {os.path.relpath(release_dir)} (no solution, no hidden test)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
