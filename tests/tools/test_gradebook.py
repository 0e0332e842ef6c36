"""The course's one gradebook setting (tools/grader/gradebook.py), read by nbgrader_config.py."""

import ast
from pathlib import Path

from tools.grader import gradebook

ROOT = Path(__file__).resolve().parents[2]
PG = "postgresql+psycopg2://grader:secret@db.example.org:5432/logistic_regression"


def test_sqlite_in_the_course_root_by_default(tmp_path):
    url = gradebook.db_url(tmp_path, environ={})
    assert url == f"sqlite:///{tmp_path}/gradebook.db"
    assert gradebook.is_sqlite(url)
    assert gradebook.sqlite_file(url) == f"{tmp_path}/gradebook.db"


def test_nbgrader_db_url_names_another_database(tmp_path):
    url = gradebook.db_url(tmp_path, environ={"NBGRADER_DB_URL": PG})
    assert url == PG
    assert not gradebook.is_sqlite(url)
    assert gradebook.db_url(tmp_path, environ={"NBGRADER_DB_URL": "  "}).startswith("sqlite:")


def test_a_password_never_reaches_a_log():
    assert gradebook.redacted(PG) == (
        "postgresql+psycopg2://grader:***@db.example.org:5432/logistic_regression"
    )
    assert gradebook.redacted("sqlite:////course/gradebook.db") == "sqlite:////course/gradebook.db"
    assert gradebook.redacted("postgresql://grader@db/x") == "postgresql://grader@db/x"


def test_the_config_takes_the_gradebook_from_this_setting():
    """nbgrader_config.py sets CourseDirectory.db_url to gradebook.db_url(ROOT), nothing else."""
    tree = ast.parse((ROOT / "nbgrader_config.py").read_text(encoding="utf-8"))
    assigned = {
        ast.unparse(node.targets[0]): ast.unparse(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign) and len(node.targets) == 1
    }
    assert assigned["c.CourseDirectory.db_url"] == "gradebook.db_url(ROOT)"
