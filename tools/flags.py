"""List every flagged submission of an assignment: student, part, reason.

    .venv/bin/python -m tools.flags ex04 [--course-dir .]

A submission is flagged when its notebook's own test printed "passed" for a part that the
trusted grader failed (tools/grader/flags.py). The flags come from the gradebook (the
notebooks marked flagged, and which grades still need manual grading) and the reasons from the
autograded notebooks, where each disputed test cell ends with ``FLAGGED for review: ...``.
A notebook flagged by hand in the formgrader is listed with no part. A submission the intake
refused (a link, a special or oversized file: tools/grader/intake.py) is listed too, with its
reason: it was not graded.
"""

import argparse
import sys
from pathlib import Path

import nbformat

from tools import gradebook
from tools.grader.flags import REFUSED, Flag, reason_in
from tools.grader.intake import refusals


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
    from nbgrader.api import Gradebook, MissingEntry  # nbgrader takes a second to import

    course = Path(course)
    rows = [
        (Flag(assignment, student, "-", reason), REFUSED)
        for student, reason in refusals(str(course / "intake"), assignment).items()
    ]
    with Gradebook(db_url or gradebook.db_url(course)) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return rows
        for submission in submissions:
            student = submission.student.id
            for notebook in submission.notebooks:
                if not notebook.flagged:
                    continue
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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--course-dir", default=".", help="the course root (default: .)")
    args = parser.parse_args(argv)
    rows = flagged(args.course_dir, args.assignment)
    if not rows:
        print(f"no flagged submission of {args.assignment}")
        return 0
    width = max(len(flag.student) for flag, _ in rows)
    part_width = max(len(flag.part) for flag, _ in rows)
    print(f"{'student':<{width}}  {'part':<{part_width}}  state / reason")
    for flag, state in rows:
        print(f"{flag.student:<{width}}  {flag.part:<{part_width}}  {state}: {flag.reason}")
    print(f"{len({flag.student for flag, _ in rows})} flagged submission(s) of {args.assignment}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
