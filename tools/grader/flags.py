"""Flags: a submission whose notebook says a part passed where the trusted grader failed it
(and refusals: a submission the intake would not grade, ``report_refusal``).

Such a disagreement, found when the notebook is run at grading (TrustedGrades finds it), means
something in the submission made the notebook's own test print "passed". A flag is an
accusation: it rests only on a certain failure (``trusted.Verdict.certain``: the student's
code answered and was judged wrong, or raised an error no limit causes), never on a time out,
a crash or an error of memory, files or imports, which honest code may meet in one process and
not in the other. The grade stays the trusted one (0 for that part); a person decides. A flag
is put where an instructor looks:

- the formgrader: the disputed grade is marked ``needs_manual_grade`` (the submission list
  says "needs manual grading") and the notebook ``flagged`` (the flag icon of Manual Grading);
- the autograded notebook, which the formgrader shows: the disputed test cell ends with a line
  ``FLAGGED for review: <reason>``;
- the command line: a banner in ``nbgrader autograde``'s log for each flag, and a summary of
  them all when the command ends; this module, run as a command, lists every flag later (and
  every refusal), from the gradebook, the autograded notebooks and the intake's records::

    .venv/bin/python -m tools.grader.flags ex04 [--course-dir .]

  A notebook flagged by hand in the formgrader is listed with no part.
"""

import argparse
import atexit
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat.notebooknode import NotebookNode

from exercise_code.grading.engine import wrap

from .gradebook import db_url as gradebook_url

COMMAND = "python -m tools.grader.flags"

MARK = "FLAGGED for review"
# The autograde dialog of the formgrader shows about 70 characters of a log line after its
# "[WARNING] " prefix and does not wrap: the banner and the reason's lines fit in that.
LOG_WIDTH = 64
BANNER = "*" * LOG_WIDTH


@dataclass(frozen=True)
class Flag:
    """One disputed part of a student's submission, and why."""

    assignment: str
    student: str
    part: str
    reason: str


def reason(part):
    """Why ``part`` is disputed, in an instructor's words (never the word "passed": a flagged
    cell must not seem to say the part passed)."""
    return (
        f"the notebook's own test of {part} reported success, but the trusted grader failed "
        f"that visible test on the submission's code: something made the notebook's test "
        f"succeed. 0 points until a person reads the code and decides."
    )


def cell_output(text):
    """The output that ends a disputed test cell (stderr: the grade of the cell stays 0),
    wrapped like a failure's message, so that the formgrader and the feedback show it whole."""
    return NotebookNode(output_type="stream", name="stderr", text=wrap(f"{MARK}: {text}") + "\n")


def reason_in(cell):
    """The reason written into a test cell's outputs by ``cell_output`` (unwrapped), or None."""
    for output in cell.get("outputs", []):
        text = "".join(output.get("text", ""))
        if output.get("output_type") == "stream" and text.startswith(f"{MARK}: "):
            return " ".join(text[len(MARK) + 2 :].split())
    return None


def report(log, flag):
    """Log ``flag`` so that it stands out in nbgrader's log, and keep it for the summary."""
    _banner(
        log,
        f"{MARK}: {flag.student}, part {flag.part}",
        flag.reason,
        "In the formgrader: needs manual grading.",
        f"Every flag: {COMMAND} {flag.assignment}",
    )
    if not _reported:
        atexit.register(_summary, log)
    _reported.append(flag)


_reported = []


def _summary(log):
    """At the end of the command (nbgrader has no hook there): every flag of this run."""
    students, assignments = {}, sorted({flag.assignment for flag in _reported})
    for flag in _reported:
        students.setdefault(flag.student, []).append(flag.part)
    log.warning(BANNER)
    log.warning(
        "%s: %d submission(s): %s",
        MARK,
        len(students),
        "; ".join(f"{s} ({', '.join(parts)})" for s, parts in sorted(students.items())),
    )
    log.warning("  Reasons: %s %s; grade them in the formgrader.", COMMAND, " ".join(assignments))
    log.warning(BANNER)


REFUSED = "REFUSED, not graded"


def report_refusal(log, outcome):
    """Log a submission the intake refused (``intake.Outcome``), like a flag: it stands out,
    and ``python -m tools.grader.flags`` lists it later."""
    _banner(
        log,
        f"{REFUSED}: {printable(outcome.student)}, {outcome.assignment}",
        outcome.refused,
        "The submitted folder is kept as it came; every flag and refusal:",
        f"{COMMAND} {outcome.assignment}",
    )


def printable(name):
    """A folder name as a terminal may show it: one the intake refused may hold control
    characters (an escape sequence would rewrite the instructor's screen)."""
    return name if name.isprintable() else ascii(name)


def _banner(log, title, reason, *tail):
    """One block between banners in nbgrader's log: the title, the reason wrapped, then the
    lines that say what to do (a flag and a refusal stand out the same way)."""
    log.warning(BANNER)
    log.warning("%s", title)
    for line in [*wrap(reason, LOG_WIDTH - 2).splitlines(), *tail]:
        log.warning("  %s", line)
    log.warning(BANNER)


def save(gradebook, notebook, assignment, student, parts):
    """Mark ``student``'s notebook flagged and each disputed part's grade as needing manual
    grading, in the open nbgrader ``gradebook`` (after SaveAutoGrades, which would reset it)."""
    submitted = gradebook.find_submission_notebook(notebook, assignment, student)
    submitted.flagged = True
    for grade in submitted.grades:
        if grade.name in parts:
            grade.needs_manual_grade = True
    gradebook.db.commit()


# --------------------------------------------------------------------------- the command


def _reasons(notebook_path):
    """{part: reason} of the disputed test cells of an autograded notebook."""
    if not notebook_path.is_file():
        return {}
    nb = nbformat.read(notebook_path, as_version=nbformat.NO_CONVERT)
    found = {}
    for cell in nb.cells:
        part = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        text = reason_in(cell) if part else None
        if text:
            found[part] = text
    return found


def flagged(course, assignment, db_url=None):
    """Every flag of ``assignment`` in the course at ``course``, by student, as
    [(Flag, state)] where state says whether the part still needs manual grading."""
    from nbgrader.api import (  # nbgrader takes a second to import
        Assignment,
        Gradebook,
        MissingEntry,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    from .intake import refusals  # the intake imports the grader's protocol: only when listing

    course = Path(course)
    rows = [
        (Flag(assignment, student, "-", reason), REFUSED)
        for student, reason in refusals(str(course / "intake"), assignment).items()
    ]
    with Gradebook(db_url or gradebook_url(course)) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return rows
        # The flagged notebooks alone, in one query: walking every submission's notebooks
        # loads each on its own, seconds for a class of thousands.
        notebooks = (
            gb.db.query(SubmittedNotebook)
            .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
            .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
            .filter(Assignment.name == assignment, SubmittedNotebook.flagged.is_(True))
        )
        for notebook in notebooks:
            student = notebook.student.id
            path = course / "autograded" / student / assignment / f"{notebook.name}.ipynb"
            reasons = _reasons(path)
            grades = {g.name: g for g in notebook.grades}
            for part, text in reasons.items():  # in the notebook's order
                grade = grades.get(part)
                if grade is not None and grade.needs_manual_grade:
                    state = "needs manual grading"
                elif grade is not None:
                    state = f"graded by hand: {grade.score:g} of {grade.max_score:g}"
                else:
                    state = "no such grade"
                rows.append((Flag(assignment, student, part, text), state))
            if not reasons:
                text = "flagged in the formgrader (no reason recorded)"
                rows.append((Flag(assignment, student, "-", text), "-"))
    return sorted(rows, key=lambda row: row[0].student)


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog=COMMAND,
        description="List every flagged or refused submission of an assignment: student, part, "
        "state, reason.",
    )
    parser.add_argument("assignment")
    parser.add_argument("--course-dir", default=".", help="the course root (default: .)")
    args = parser.parse_args(argv)
    rows = flagged(args.course_dir, args.assignment)
    if not rows:
        print(f"no flagged submission of {args.assignment}")
        return 0
    width = max(len(printable(flag.student)) for flag, _ in rows)
    part_width = max(len(flag.part) for flag, _ in rows)
    print(f"{'student':<{width}}  {'part':<{part_width}}  state / reason")
    for flag, state in rows:
        student = printable(flag.student)
        print(f"{student:<{width}}  {flag.part:<{part_width}}  {state}: {flag.reason}")
    print(f"{len({flag.student for flag, _ in rows})} flagged submission(s) of {args.assignment}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
