"""The whole nbgrader lifecycle on a local exchange, with real commands, on either gradebook.

Instructor: generate_assignment, release_assignment; student (the current OS user):
fetch_assignment, edit, submit; instructor: collect, autograde, generate_feedback, export. The
student solves BCE.forward only, so the exported grade must be exactly its points (its core
and robustness cells). It runs once on the default SQLite gradebook and once on a PostgreSQL
server of the test's own (``NBGRADER_DB_URL``, the course's one setting for it,
tools/grader/gradebook.py).
"""

import csv
import getpass

import pytest
from nbgrader.api import Gradebook

from tests.nbgrader.test_autograde import NOTEBOOK, POINTS, new_course, solved
from tools.course import ASSIGNMENT, COURSE_ID
from tools.grader import gradebook
from tools.nbgrader_env import run_nbgrader

pytestmark = pytest.mark.slow
LOSS = "exercise_code/networks/loss.py"


def run(cwd, *args):
    """``nbgrader <args>`` in ``cwd`` (a student's folder has no nbgrader_config.py)."""
    proc = run_nbgrader(cwd, *args)
    assert proc.returncode == 0, f"nbgrader {args[0]} failed:\n{proc.stdout}{proc.stderr}"
    return proc


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_release_fetch_submit_collect_autograde_feedback_export(
    tmp_path, monkeypatch, request, database
):
    if database == "postgresql":
        url = request.getfixturevalue("postgres").create_database()
        monkeypatch.setenv(gradebook.VARIABLE, url)  # every nbgrader command below inherits it
    course = new_course(tmp_path / "course")
    assert (course / "gradebook.db").exists() == (database == "sqlite")
    exchange = tmp_path / "exchange"
    student_home = tmp_path / "student"
    exchange.mkdir()
    student_home.mkdir()
    ex = f"--Exchange.root={exchange}"

    run(course, "release_assignment", ASSIGNMENT, ex)
    run(student_home, "fetch_assignment", ASSIGNMENT, "--course", COURSE_ID, ex)
    work = student_home / ASSIGNMENT
    assert (work / "logistic_regression.ipynb").is_file()
    (work / LOSS).write_text(solved(LOSS, {"BCE.forward"}), encoding="utf-8")
    run(student_home, "submit", ASSIGNMENT, "--course", COURSE_ID, ex)

    run(course, "collect", ASSIGNMENT, ex)
    student = getpass.getuser()
    assert (course / "submitted" / student / ASSIGNMENT / LOSS).is_file()
    run(course, "autograde", ASSIGNMENT)
    run(course, "generate_feedback", ASSIGNMENT)
    assert (course / "feedback" / student / ASSIGNMENT / "logistic_regression.html").is_file()
    run(course, "export", "--to", str(course / "grades.csv"))

    with open(course / "grades.csv", newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["student_id"] == student]
    assert len(rows) == 1
    earned = POINTS["bce_forward"] + POINTS["bce_forward_robust"]  # its core and robustness
    assert float(rows[0]["raw_score"]) == earned
    assert float(rows[0]["max_score"]) == sum(POINTS.values())

    with Gradebook(gradebook.db_url(course)) as gb:
        assert gb.engine.url.get_backend_name() == database
        assert gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, student).score == earned
