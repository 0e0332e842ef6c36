"""The course-owned path of a submission, attacked end to end with real nbgrader.

Real OS accounts (made here as root, removed after) own the entries of a real exchange, as
their students' `nbgrader submit` would; the instructor's real `nbgrader collect`,
`autograde` and `generate_feedback` then run on them. Each attack is refused or rejected for
its student alone, the honest student beside it is graded exactly, and nothing of the course
reaches a feedback folder. Links, special files and floods under every name are tested fast in
tests/grader/test_intake.py.
"""

import json
import os
import pwd
import secrets
import subprocess

import pytest

from tests.attacks import leaks
from tests.nbgrader.test_autograde import NOTEBOOK, POINTS, new_course, scores, submit
from tests.submissions import LOSS, RELEASE, everything, make_submission
from tools.course import ASSIGNMENT, COURSE_ID
from tools.grader import flags, intake
from tools.nbgrader_env import run_nbgrader

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(os.geteuid() != 0, reason="makes OS accounts: needs root"),
]
EARLY, LATE = "2026-12-04 09:00:00.000000 UTC", "2026-12-04 09:30:00.000000 UTC"
STUB_SCORES = dict.fromkeys(POINTS, 0)


@pytest.fixture(scope="module")
def accounts():
    """Two real accounts, removed afterwards: {role: name}."""
    tag = secrets.token_hex(3)
    names = {"alice": f"lrpa{tag}", "bob": f"lrpb{tag}"}
    made = []
    try:
        for name in names.values():
            subprocess.run(
                ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name],
                check=True,
            )
            made.append(name)
        yield names
    finally:
        for name in made:
            subprocess.run(["userdel", name], check=False)


def entry(inbound, student, stamp, owner, files=None):
    """An inbound entry as `nbgrader submit` writes it, owned by the account ``owner``."""
    folder = make_submission(
        inbound / f"{student}+{ASSIGNMENT}+{stamp}+{secrets.token_hex(4)}", files
    )
    (folder / intake.TIMESTAMP).write_text(stamp)
    (folder / intake.SECRET).write_text(secrets.token_hex(64))
    uid = pwd.getpwnam(owner).pw_uid
    for path in [folder, *folder.rglob("*")]:
        os.lchown(path, uid, uid)
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory, accounts):
    base = tmp_path_factory.mktemp("path")
    course = new_course(base / "course")
    exchange = base / "exchange"
    exchange.mkdir()
    ex = f"--Exchange.root={exchange}"
    assert run_nbgrader(str(course), "release_assignment", ASSIGNMENT, ex).returncode == 0
    inbound = exchange / COURSE_ID / "inbound"
    alice, bob = accounts["alice"], accounts["bob"]
    # alice submits her solution; bob plants a later entry of stubs under her name.
    entry(inbound, alice, EARLY, alice, everything())
    entry(inbound, alice, LATE, bob)
    # bob's own entry links his files to the instructor's solution, and /dev/zero.
    linked = entry(inbound, bob, EARLY, bob)
    (linked / LOSS).unlink()
    os.symlink(course / "exercise_code" / "networks" / "loss.py", linked / LOSS)
    os.symlink("/dev/zero", linked / "zeros.bin")
    # Malformed entries, each skipped alone: names, a link as an entry, a file as an entry.
    (inbound / "no-plus-at-all").mkdir()
    (inbound / f"{bob}+{ASSIGNMENT}+not a time+x").mkdir()
    os.symlink(linked, inbound / f"{bob}+{ASSIGNMENT}+{LATE}+link")
    (inbound / f"{bob}+{ASSIGNMENT}+{LATE}+file").write_text("x")
    collect = run_nbgrader(str(course), "collect", ASSIGNMENT, ex)
    # Straight into submitted/ (a folder an instructor unpacked): the solution linked under
    # nbgrader's own names, a pipe, a flood of outputs in the submitted notebook.
    for name, target in (("secret_link", intake.SECRET), ("stamp_link", intake.TIMESTAMP)):
        folder = submit(course, name)
        os.symlink(course / "exercise_code" / "networks" / "loss.py", folder / target)
    os.mkfifo(submit(course, "pipe") / "exercise_code" / "solver.py.tmp")
    os.unlink(course / "submitted" / "pipe" / ASSIGNMENT / "exercise_code" / "solver.py")
    os.mkfifo(course / "submitted" / "pipe" / ASSIGNMENT / "exercise_code" / "solver.py")
    flood = json.loads((RELEASE / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
    code = [c for c in flood["cells"] if c["cell_type"] == "code"]
    code[0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "A" * (6 << 20)}]
    code[1]["outputs"] = [
        {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["B" * (1 << 20)]}
    ]
    code[2]["outputs"] = [
        {
            "output_type": "display_data",
            "data": {"text/html": "<script>alert(1)</script>"},
            "metadata": {},
        }
    ]
    submit(course, "flood", everything(), notebook=json.dumps(flood))
    autograde = run_nbgrader(str(course), "autograde", ASSIGNMENT, "--force")
    feedback = run_nbgrader(str(course), "generate_feedback", ASSIGNMENT, "--force")
    log = "".join(p.stdout + p.stderr for p in (collect, autograde, feedback))
    assert collect.returncode == autograde.returncode == feedback.returncode == 0, log[-5000:]
    return {"course": course, "log": log, "alice": alice, "bob": bob, "collect": collect}


def test_collect_rejects_an_entry_planted_under_another_students_name(course):
    assert f"names {course['alice']} but is owned by {course['bob']}" in course["log"]
    assert scores(course["course"], course["alice"]) == POINTS


def test_collect_refuses_links_and_collects_nothing_for_that_student(course):
    assert not (course["course"] / "submitted" / course["bob"]).exists()
    refused = intake.refusals(str(course["course"] / "intake"), ASSIGNMENT)
    assert refused[course["bob"]] == f"at collect: {LOSS} is a symbolic link, not a regular file"


def test_collect_skips_each_malformed_entry_alone(course):
    log = course["log"]
    assert "skipped inbound entry 'no-plus-at-all': not a name nbgrader submit writes" in log
    assert "its time does not parse" in log
    assert log.count("not a folder (a link or a file)") >= 2


def test_collected_files_are_regular_and_nothing_else_of_the_entry(course):
    tree = course["course"] / "submitted" / course["alice"] / ASSIGNMENT
    files = {str(p.relative_to(tree)) for p in tree.rglob("*") if not p.is_dir()}
    assert files == intake_files()
    assert all(not p.is_symlink() for p in tree.rglob("*"))
    assert (tree / intake.TIMESTAMP).read_text() == EARLY  # hers, not the planted one's


def intake_files():
    from tools.grader.tree import release_files

    return release_files(ASSIGNMENT) | set(intake.BOOKKEEPING)


@pytest.mark.parametrize("student", ["secret_link", "stamp_link", "pipe"])
def test_links_and_pipes_in_submitted_are_refused_and_reach_no_feedback(course, student):
    refused = flags.flagged(course["course"], ASSIGNMENT)
    assert student in {flag.student for flag, _ in refused}
    assert not (course["course"] / "autograded" / student).exists()
    assert not (course["course"] / "feedback" / student).exists()


def test_no_feedback_holds_a_line_of_the_solution(course):
    for html in (course["course"] / "feedback").rglob("*.html"):
        assert leaks(html.read_text(encoding="utf-8")) == [], html
    for path in (course["course"] / "feedback").rglob("*"):
        assert path.is_dir() or path.suffix == ".html" or path.name in intake.BOOKKEEPING


def test_a_flood_of_submitted_outputs_is_cut_and_made_inert(course):
    html = course["course"] / "feedback" / "flood" / ASSIGNMENT / f"{NOTEBOOK}.html"
    text = html.read_text(encoding="utf-8")
    assert len(text) < 3_000_000
    assert "<script>alert(1)</script>" not in text
    assert "output cut" in text
    assert scores(course["course"], "flood") == POINTS


def test_the_feedback_says_the_notebook_was_not_run(course):
    html = course["course"] / "feedback" / course["alice"] / ASSIGNMENT / f"{NOTEBOOK}.html"
    assert "Graded without running this notebook." in html.read_text(encoding="utf-8")


def test_the_grade_is_the_verdict_not_an_output(course):
    """No graded cell of an autograded notebook carries an error output (nbgrader's sign of
    a failure): the gradebook got each score from the verdict."""
    nb = json.loads(
        (course["course"] / "autograded" / "flood" / ASSIGNMENT / f"{NOTEBOOK}.ipynb").read_text()
    )
    graded = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert graded and all(o["output_type"] == "stream" for c in graded for o in c["outputs"])
