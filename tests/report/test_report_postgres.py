"""``python -m tools.report`` on a PostgreSQL gradebook: the course's ``NBGRADER_DB_URL``.

A small class (full marks, one known mistake, the release untouched) graded by the real
``nbgrader autograde`` into a database of the suite's own PostgreSQL server; the command, run
in the course with the same environment as nbgrader, reports it from there (the course has no
SQLite gradebook to fall back on).
"""

import csv

import pytest
from nbgrader.api import Gradebook

from tests.nbgrader.test_autograde import POINTS, new_course, submit
from tests.report.classroom import files_with, run_report
from tools.course import ASSIGNMENT, NOTEBOOK
from tools.grader import gradebook
from tools.nbgrader_env import run_nbgrader

pytestmark = pytest.mark.slow

BUILT = {"reference": (), "sign": ("bce_backward_sign",)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, postgres):
    url = postgres.create_database()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(gradebook.VARIABLE, url)
        course = new_course(tmp_path_factory.mktemp("report-pg"))
        for student, mistakes in BUILT.items():
            submit(course, student, files_with(mistakes))
        submit(course, "untouched")
        proc = run_nbgrader(str(course), "autograde", ASSIGNMENT)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        out = tmp_path_factory.mktemp("report-pg-out")
        proc = run_report(course, out)
        assert proc.returncode == 0, proc.stdout + proc.stderr
    with open(out / f"{ASSIGNMENT}-report.csv", newline="", encoding="utf-8") as f:
        rows = {row["student"]: row for row in csv.DictReader(f)}
    return course, url, rows


def test_the_report_reads_the_postgresql_gradebook(graded):
    course, url, rows = graded
    assert not list(course.rglob("*.db"))  # nothing but PostgreSQL to read
    assert sorted(rows) == sorted([*BUILT, "untouched"])
    with Gradebook(url) as gb:
        for student, row in rows.items():
            nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student)
            assert {p: float(row[p]) for p in POINTS} == {g.name: g.score for g in nb.grades}
            assert float(row["total"]) == gb.find_submission(ASSIGNMENT, student).score
    assert rows["reference"]["mistakes"] == ""
    assert "bce_backward:bce_backward_sign" in rows["sign"]["mistakes"].split(";")
    named = rows["untouched"]["mistakes"].split(";")
    assert named == [f"{part}:not_implemented" for part in POINTS]
