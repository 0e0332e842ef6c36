"""Parallel grading on an SQLite gradebook: a copy per worker, merged back afterwards.

SQLite lets one process write at a time; concurrent ``nbgrader autograde`` processes on one
file wait for each other and fail with "database is locked" after the busy timeout (the
student's notebook already executed: a grade lost). So each worker grades against its own
copy of the course gradebook, which already holds the assignment, its grade cells and their
ids (written by ``nbgrader generate_assignment``), and the graded submissions are copied back
with nbgrader's Gradebook API. Cells are matched by their database ids, which the copies share
with the course gradebook, so no grade can land on the wrong cell.

A PostgreSQL gradebook needs none of this: every worker writes to it at once.
"""

import contextlib
import sqlite3
import warnings
from pathlib import Path


def copy_gradebook(src: Path, dst: Path) -> None:
    """A consistent copy of an SQLite gradebook (SQLite's backup API, not a file copy)."""
    with sqlite3.connect(src) as s, sqlite3.connect(dst) as d:
        s.backup(d)


def merge(main_url: str, worker_url: str, assignment: str, students: list[str]) -> None:
    """Copy the submissions of ``students`` from a worker's gradebook into the course one.

    A student the worker has no submission for is skipped (its worker died before reaching
    it); the course gradebook keeps what it had, and the check after grading finds it.
    """
    from nbgrader.api import Gradebook, MissingEntry
    from sqlalchemy.exc import SAWarning

    with Gradebook(main_url) as main, Gradebook(worker_url) as work, warnings.catch_warnings():
        # nbgrader's add_submission builds its rows before adding them to the session, and
        # SQLAlchemy's autoflush warns ("not in session, add operation ... will not
        # proceed") while it does; the rows are added and committed all the same (the
        # merged grades are compared with a sequential grading in tests/nbgrader).
        warnings.simplefilter("ignore", SAWarning)
        for sid in students:
            try:
                wsub = work.find_submission(assignment, sid)
            except MissingEntry:
                continue
            st = wsub.student
            main.update_or_create_student(
                sid,
                first_name=st.first_name,
                last_name=st.last_name,
                email=st.email,
                lms_user_id=st.lms_user_id,
            )
            with contextlib.suppress(MissingEntry):  # a first grading has none to remove
                main.remove_submission(assignment, sid)
            msub = main.add_submission(
                assignment, sid, timestamp=wsub.timestamp, extension=wsub.extension
            )
            mnbs = {nb.name: nb for nb in msub.notebooks}
            for wnb in wsub.notebooks:
                mnb = mnbs[wnb.name]
                mnb.flagged = wnb.flagged
                mnb.late_submission_penalty = wnb.late_submission_penalty
                grades = {g.cell_id: g for g in mnb.grades}
                for g in wnb.grades:
                    m = grades[g.cell_id]
                    m.auto_score = g.auto_score
                    m.manual_score = g.manual_score
                    m.extra_credit = g.extra_credit
                    m.needs_manual_grade = g.needs_manual_grade
                comments = {c.cell_id: c for c in mnb.comments}
                for c in wnb.comments:
                    m = comments[c.cell_id]
                    m.auto_comment = c.auto_comment
                    m.manual_comment = c.manual_comment
            main.db.commit()
