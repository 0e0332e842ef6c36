"""Everything the report shows, read from what grading left: one ``Record`` per student.

- the gradebook (nbgrader's ``Gradebook``, SQLite or PostgreSQL): the graded cells (a *check*
  each: its name and points), every submission's score per check and in all, the flags;
- the autograded notebooks: the verdict TrustedGrades wrote into each graded cell, read only
  for the key of the mistake it names (``mistakes.named``), never kept as text;
- ``tools.grader.flags.flagged``: the flagged parts, and the intake's refusals;
- ``tools.grader.grading_check.missing``: submitted students with no whole grade; a folder
  name the intake refuses (``intake.STUDENT_ID``) is refused, its reason kept nowhere.

A check belongs to a *part* of ``exercise_code.grading.PARTS``: the part whose name the
check's name is, or begins with (``bce_forward`` and, were a part split in two,
``bce_forward_robust``); a check of no part is its own. A student's total is the gradebook's
(manual grades included).
"""

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from tools.grader import flags, grading_check, intake
from tools.grader.gradebook import db_url as course_db_url
from tools.grader.oracles import reference

from .mistakes import NOT_ATTEMPTED, named


@dataclass(frozen=True)
class Check:
    """A graded cell of the assignment: ``name`` (its grade id), its part, its points."""

    name: str
    part: str
    max_score: float


@dataclass
class Record:
    """One student: their scores, mistakes, flags, and why they have no grade (if not)."""

    student: str
    total: float | None = None  # None: no grade (refused, or lost)
    scores: dict = field(default_factory=dict)  # check name: points (None: not scored)
    mistakes: dict = field(default_factory=dict)  # check name: mistake key, failed checks
    flagged: list = field(default_factory=list)  # parts flagged for review ("-": by hand)
    refused: str | None = None  # the intake's reason
    ungraded: str | None = None  # what is missing (grading_check.missing)

    @property
    def graded(self):
        return self.total is not None and not self.refused and not self.ungraded


@dataclass
class ClassReport:
    """An assignment's grading, whole: its checks (in the notebook's order) and students."""

    assignment: str
    checks: list
    records: list  # Record, by student id

    @property
    def max_score(self):
        return sum(check.max_score for check in self.checks)

    @property
    def parts(self):
        """{part: [Check]} in the notebook's order."""
        found = {}
        for check in self.checks:
            found.setdefault(check.part, []).append(check)
        return found

    def graded(self):
        return [r for r in self.records if r.graded]

    def histogram(self):
        """[(points, students)] for points 0 .. max: a total counts in the bin of its whole
        points (a manual half point does not make a bin of its own)."""
        top = math.floor(self.max_score)
        counts = [0] * (top + 1)
        for record in self.graded():
            counts[min(top, max(0, math.floor(record.total)))] += 1
        return list(enumerate(counts))

    def pass_rates(self, checks=None):
        """{name: (students with every point of it, students graded)}, per check, or per part
        when ``checks`` is ``self.parts`` (a part passes when each of its checks does)."""
        groups = checks or {check.name: [check] for check in self.checks}
        graded = self.graded()
        return {
            name: (sum(all(_full(r, c) for c in group) for r in graded), len(graded))
            for name, group in groups.items()
        }

    def mistake_counts(self):
        """{(check, mistake key): [student]}, the most made first (then the notebook's order),
        a part not attempted at all (``mistakes.NOT_ATTEMPTED``) after every mistake made."""
        found = {}
        for record in self.graded():
            for check, key in record.mistakes.items():
                found.setdefault((check, key), []).append(record.student)
        order = [c.name for c in self.checks]
        return dict(
            sorted(
                found.items(),
                key=lambda item: (
                    item[0][1] == NOT_ATTEMPTED,
                    -len(item[1]),
                    order.index(item[0][0]),
                    item[0][1],
                ),
            )
        )


def _full(record, check):
    score = record.scores.get(check.name)
    return score is not None and score >= check.max_score


def part_of(name, parts):
    """The part of the check ``name``: the longest part name it is or begins with."""
    matches = [p for p in parts if name == p or name.startswith(f"{p}_")]
    return max(matches, key=len) if matches else name


def verdicts(path):
    """{check name: the text of the verdict in its graded cell} of an autograded notebook
    ({} if there is none); the flag's line (``flags.MARK``) is not part of the verdict.

    Read as JSON, like ``grading_check.has_verdicts``: nbformat's validation would cost more
    than the rest of the report, and only the graded cells' streams are read.
    """
    try:
        cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    found = {}
    for cell in cells if isinstance(cells, list) else ():
        meta = cell.get("metadata", {}).get("nbgrader", {}) if isinstance(cell, dict) else {}
        if not (meta.get("grade") and isinstance(meta.get("grade_id"), str)):
            continue
        texts = [
            "".join(_lines(output.get("text", "")))
            for output in cell.get("outputs", [])
            if isinstance(output, dict) and output.get("output_type") == "stream"
        ]
        found[meta["grade_id"]] = "\n".join(t for t in texts if not t.startswith(flags.MARK))
    return found


def _lines(text):
    """A stream's text as stored (one string, or a list of lines)."""
    if isinstance(text, str):
        return [text]
    return [line for line in text if isinstance(line, str)] if isinstance(text, list) else []


def _grades(gb, assignment):
    """[(student, notebook, cell, auto_score, manual_score, score)] of every grade of
    ``assignment``, and {student: total}: two queries through nbgrader's own models (walking
    its objects loads each grade's cell and points on its own: minutes for a large class)."""
    from nbgrader.api import (
        Assignment,
        BaseCell,
        Grade,
        Notebook,
        Student,
        SubmittedAssignment,
        SubmittedNotebook,
    )

    submissions = (
        gb.db.query(Student.id, SubmittedAssignment.score)
        .select_from(SubmittedAssignment)
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
        .join(Student, SubmittedAssignment.student_id == Student.id)
        .filter(Assignment.name == assignment)
    )
    grades = (
        gb.db.query(
            Student.id,
            Notebook.name,
            BaseCell.name,
            Grade.auto_score,
            Grade.manual_score,
            Grade.score,
        )
        .select_from(Grade)
        .join(SubmittedNotebook, Grade.notebook_id == SubmittedNotebook.id)
        .join(Notebook, SubmittedNotebook.notebook_id == Notebook.id)
        .join(SubmittedAssignment, SubmittedNotebook.assignment_id == SubmittedAssignment.id)
        .join(Assignment, SubmittedAssignment.assignment_id == Assignment.id)
        .join(Student, SubmittedAssignment.student_id == Student.id)
        .join(BaseCell, Grade.cell_id == BaseCell.id)
        .filter(Assignment.name == assignment)
    )
    return list(grades), {sid: float(total) for sid, total in submissions}


def collect(course, assignment, db_url=None):
    """The ``ClassReport`` of ``assignment`` in the course at ``course`` (its gradebook at
    ``db_url``, default the course's: ``tools.grader.gradebook.db_url``)."""
    from nbgrader.api import Gradebook, MissingEntry  # nbgrader takes a second to import

    course = Path(course).resolve()
    db_url = db_url or course_db_url(course)
    parts = list(reference().grading.PARTS)
    with Gradebook(db_url) as gb:
        try:
            notebooks = gb.find_assignment(assignment).notebooks
        except MissingEntry:
            raise SystemExit(f"{assignment} is not in the gradebook") from None
        checks = [
            Check(cell.name, part_of(cell.name, parts), float(cell.max_score))
            for notebook in notebooks
            for cell in notebook.grade_cells
        ]
        grades, totals = _grades(gb, assignment)
    # The notebook's order is the parts' (a check of no part goes last, by name).
    rank = {p: i for i, p in enumerate(parts)}
    checks.sort(key=lambda c: (rank.get(c.part, len(rank)), c.part, c.name))
    points = {c.name: c.max_score for c in checks}
    records = {sid: Record(sid, total=total) for sid, total in totals.items()}
    said, whole = {}, set(records)  # whole: every check scored and with its verdict
    for sid, notebook, cell, auto, manual, score in grades:
        if cell not in points:
            continue  # a task cell: not a graded cell, no points of its own
        if (sid, notebook) not in said:
            path = course / "autograded" / sid / assignment / f"{notebook}.ipynb"
            said[(sid, notebook)] = verdicts(path)
        text = said[(sid, notebook)].get(cell)
        record = records[sid]
        record.scores[cell] = None if auto is None and manual is None else float(score)
        if auto is None or not text:
            whole.discard(sid)
        if auto is not None and auto < points[cell] and text:
            record.mistakes[cell] = named(text)
    for flag, state in flags.flagged(course, assignment, db_url):
        record = records.setdefault(flag.student, Record(flag.student))
        if state == flags.REFUSED:
            record.refused = flag.reason
        else:
            record.flagged.append(flag.part)
    submitted = sorted(p.parent.name for p in course.glob(f"submitted/*/{assignment}"))
    # The grader's own check, for those that are not whole here (it reads every notebook and
    # grade again: only those).
    doubtful = [s for s in submitted if intake.STUDENT_ID.match(s) and s not in whole]
    for student, what in grading_check.missing(course, db_url, assignment, doubtful).items():
        records.setdefault(student, Record(student)).ungraded = what
    return ClassReport(assignment, checks, [records[s] for s in sorted(records)])
