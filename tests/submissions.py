"""Simulated students: submissions built from the release and the reference's own source.

A submission is the released assignment folder with some student files replaced. ``solved``
gives a student file with its solution regions filled in (all, or those named in ``keep``);
``changed`` gives the solved file with one exact piece of it replaced, to make a mistake or a
different but correct style.
"""

import shutil
from pathlib import Path

from tools.course import ASSIGNMENT, STUDENT_FILES
from tools.release.strip_solutions import region_names, strip_solutions

ROOT = Path(__file__).resolve().parents[1]
RELEASE = ROOT / "release" / ASSIGNMENT
LOSS, CLASSIFIER, OPTIMIZER, SOLVER = STUDENT_FILES


def source_text(rel):
    """A student file of the reference, solution regions and their markers included."""
    return (ROOT / rel).read_text(encoding="utf-8")


def solved(rel, keep=None):
    """The student file ``rel`` with the regions in ``keep`` solved (all if None)."""
    text = source_text(rel)
    return strip_solutions(text, keep=region_names(text) if keep is None else keep)


def changed(rel, old, new, count=1):
    """The solved file ``rel`` with ``old`` (which must occur ``count`` times) made ``new``."""
    text = solved(rel)
    assert text.count(old) == count, f"{rel}: {old!r} occurs {text.count(old)} times"
    return text.replace(old, new)


def everything():
    """{student file: solved text} for every student file."""
    return {rel: solved(rel) for rel in STUDENT_FILES}


def patches_checks():
    """{LOSS: text}: the released (unsolved) loss.py, which on import makes every check the
    notebook runs in its kernel pass (all of them print "passed"); the trusted grader fails
    every part, and the submission is flagged."""
    patch = (
        "\nfrom .. import grading as _grading\n\n"
        "for _part in _grading.PARTS.values():\n"
        "    object.__setattr__(_part, 'judge', lambda *args: None)\n"
    )
    return {LOSS: (RELEASE / LOSS).read_text(encoding="utf-8") + patch}


def make_submission(folder, files=None, extra=None):
    """The release in ``folder`` with ``files`` ({rel: text}) written over it, and ``extra``
    files ({rel: text}) added. Returns ``folder``."""
    folder = Path(folder)
    shutil.copytree(RELEASE, folder)
    for rel, text in {**(files or {}), **(extra or {})}.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.exists():
            path.chmod(0o644)
        path.write_text(text, encoding="utf-8")
    return folder
