"""The course on a real JupyterHub: an instructor and two students, each with their own server.

The hub runs with the course's own settings (tools/hub/) on 127.0.0.1, and everything goes
through the REST APIs the browser uses, each person with their own token: the hub's API to
start servers; the instructor's formgrader API to generate, release, collect, autograde,
generate and release feedback; each student's Assignments API to fetch, submit and fetch
feedback, and Jupyter's contents API to edit files and read the feedback. student1 solves
every part, student2 only BCE.forward: each must get exactly their own score and feedback,
and see nothing of the other's. At the end the hub stops with every process it started.
"""

import json
import re
import time

import pytest

from tests.hub._hub import PROXY, Hub
from tests.nbgrader.test_autograde import POINTS
from tests.submissions import LOSS, everything, solved
from tools.course import ASSIGNMENT, COURSE_ID, NOTEBOOK
from tools.release.generate import copy_course, verify_release

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

INSTRUCTOR = "instructor"
STUDENTS = ("student1", "student2")
# What each student writes into the fetched assignment: {student file: text}.
WORK = {
    "student1": everything(),
    "student2": {LOSS: solved(LOSS, {"BCE.forward"})},
}
# Points are whole numbers and a part scores all or nothing: scores are exact sums.
EXPECTED_SCORE = {
    "student1": sum(POINTS.values()),
    "student2": POINTS["bce_forward"] + POINTS["bce_forward_robust"],  # core and robustness
}
STUDENTS_DISABLED = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"}
FEEDBACK_SCORE = re.compile(rf"{NOTEBOOK} \(Score: ([\d.]+) / ([\d.]+)\)")


@pytest.fixture
def hub(tmp_path):
    if not PROXY.is_file():
        pytest.fail(f"{PROXY} missing: run `make hub` (installs configurable-http-proxy)")
    hub = Hub(tmp_path / "hub")
    # What an administrator prepares: the shared exchange, and the course in the
    # instructor's home (the repository, cloned into ~/course).
    hub.exchange.mkdir(parents=True)
    hub.exchange.chmod(0o777)
    course = hub.home(INSTRUCTOR) / "course"
    course.mkdir(parents=True)
    copy_course(str(course))
    yield hub
    hub.stop()  # a no-op after the test's own stop; kills everything if the test failed


class Steps:
    """Runs the named steps of the lifecycle and keeps how long each took."""

    def __init__(self):
        self.seconds = {}

    def __call__(self, name, fn, *args):
        start = time.perf_counter()
        result = fn(*args)
        self.seconds[name] = time.perf_counter() - start
        return result

    def report(self):
        return "\n".join(f"  {name:<28} {s:6.1f} s" for name, s in self.seconds.items())


def formgrader(instructor, action, path):
    """POST the instructor's formgrader API (the buttons of *Manage Assignments*); the
    command's result must say success."""
    result = instructor.server_json("POST", f"/formgrader/api/{path}")
    assert result["success"], f"{action}: {result.get('error')}\n{result.get('log')}"
    return result


def assignments(student, action=None):
    """The student's *Assignments* tab: the list, or the list after ``action`` (fetch,
    submit, fetch_feedback) on ex04."""
    if action is None:
        result = student.server_json("GET", "/assignments", params={"course_id": COURSE_ID})
    else:
        body = {"course_id": COURSE_ID, "assignment_id": ASSIGNMENT}
        result = student.server_json("POST", f"/assignments/{action}", data=body)
    assert result["success"], f"{student.name} {action}: {result.get('value')}"
    return result["value"]


def write_file(user, path, text):
    """Save a file as JupyterLab's editor does (Jupyter's contents API)."""
    model = {"type": "file", "format": "text", "content": text}
    response = user.server("PUT", f"/api/contents/{path}", json=model)
    assert response.status_code in (200, 201), response.text


def read_file(user, path):
    response = user.server("GET", f"/api/contents/{path}", params={"content": 1})
    assert response.status_code == 200, f"{user.name} {path}: {response.status_code}"
    return response.json()["content"]


def disabled_lab_extensions(user):
    """The JupyterLab extensions switched off in the user's /lab page (its page config)."""
    html = user.server("GET", "/lab").text
    match = re.search(
        r'<script id="jupyter-config-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert match, f"{user.name}: no page config in /lab"
    return set(json.loads(match.group(1))["disabledExtensions"])


def submission_entry(listing):
    """The one 'submitted' entry of ex04 in a student's assignment list."""
    [entry] = [a for a in listing if a["status"] == "submitted"]
    return entry


def test_release_fetch_submit_grade_feedback_on_jupyterhub(hub):
    steps = Steps()
    steps("hub start", hub.start)

    people = [hub.login(name) for name in (INSTRUCTOR, *STUDENTS)]
    instructor, *students = people

    for user in people:
        steps(f"server start ({user.name})", user.start_server)
    hub.remember_processes()

    # Roles: the formgrader is the instructor's only (its API and its menu); nobody reaches
    # another's server.
    assert instructor.server("GET", "/formgrader/api/status").status_code == 200
    assert not disabled_lab_extensions(instructor) & STUDENTS_DISABLED
    for student in students:
        assert student.server("GET", "/formgrader/api/status").status_code == 404
        assert disabled_lab_extensions(student) >= STUDENTS_DISABLED
    assert students[0].server("GET", "/api/contents", owner=STUDENTS[1]).status_code == 403
    assert students[1].server("GET", "/api/contents", owner=STUDENTS[0]).status_code == 403

    # Instructor: generate the student version, check it, release it.
    steps("generate", formgrader, instructor, "generate", f"assignment/{ASSIGNMENT}/assign")
    course = hub.home(INSTRUCTOR) / "course"
    assert verify_release(str(course / "release" / ASSIGNMENT), str(course)) == []
    steps("release", formgrader, instructor, "release", f"assignment/{ASSIGNMENT}/release")

    # Students: the course and the assignment appear; fetch, edit, submit.
    for student in students:
        courses = student.server_json("GET", "/courses")
        assert courses == {"success": True, "value": [COURSE_ID]}
        listing = assignments(student)
        assert [(a["assignment_id"], a["status"]) for a in listing] == [(ASSIGNMENT, "released")]
        listing = steps(f"fetch ({student.name})", assignments, student, "fetch")
        assert [a["status"] for a in listing] == ["fetched"]
        for rel, text in WORK[student.name].items():
            write_file(student, f"{ASSIGNMENT}/{rel}", text)
        listing = steps(f"submit ({student.name})", assignments, student, "submit")
        [submission] = submission_entry(listing)["submissions"]
        assert submission["student_id"] == student.name

    # Instructor: collect, autograde each submission, feedback.
    result = steps("collect", formgrader, instructor, "collect", f"assignment/{ASSIGNMENT}/collect")
    for name in STUDENTS:
        assert f"Collecting submission: {name} {ASSIGNMENT}" in result["log"]
        assert (course / "submitted" / name / ASSIGNMENT / LOSS).is_file()
    for name in STUDENTS:
        path = f"submission/{ASSIGNMENT}/{name}/autograde"
        steps(f"autograde ({name})", formgrader, instructor, "autograde", path)
    hub.remember_processes()
    scores = {
        s["student"]: (s["score"], s["max_score"])
        for s in instructor.server_json("GET", f"/formgrader/api/submissions/{ASSIGNMENT}")
    }
    total = sum(POINTS.values())
    assert scores == {name: (EXPECTED_SCORE[name], total) for name in STUDENTS}
    feedback = f"assignment/{ASSIGNMENT}/generate_feedback"
    steps("generate feedback", formgrader, instructor, "generate feedback", feedback)
    feedback = f"assignment/{ASSIGNMENT}/release_feedback"
    steps("release feedback", formgrader, instructor, "release feedback", feedback)

    # Students: Fetch Feedback; each reads their own, and only their own.
    pages = {}
    for student in students:
        listing = steps(f"fetch feedback ({student.name})", assignments, student, "fetch_feedback")
        [submission] = submission_entry(listing)["submissions"]
        assert submission["has_local_feedback"] and not submission["feedback_updated"]
        folder = submission["local_feedback_path"]  # ex04/feedback/<timestamp>, in the home
        pages[student.name] = read_file(student, f"{folder}/{NOTEBOOK}.html")
        other = next(name for name in STUDENTS if name != student.name)
        assert other not in str(listing)
    for name, html in pages.items():
        [(score, max_score)] = FEEDBACK_SCORE.findall(html)
        assert (float(score), float(max_score)) == (EXPECTED_SCORE[name], total)
        mine = course / "feedback" / name / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert html == mine.read_text(encoding="utf-8"), f"{name} got feedback not theirs"
        # One feedback in the student's assignment folder: their own.
        found = list((hub.home(name) / ASSIGNMENT).rglob("*.html"))
        assert [p.name for p in found] == [f"{NOTEBOOK}.html"], (name, found)
    assert pages["student1"].count("] passed: ") == len(POINTS)
    assert pages["student2"].count("] passed: ") == 1
    assert "not implemented yet" in pages["student2"]
    for student, other in zip(students, reversed(STUDENTS), strict=True):
        assert student.server("GET", "/assignments", owner=other).status_code == 403

    # One student stops their server (File > Hub Control Panel > Stop My Server); stopping the
    # hub stops the two still running, and the proxy: nothing the hub started is left.
    steps(f"server stop ({students[0].name})", students[0].stop_server)
    left = steps("hub stop (2 servers running)", hub.stop)
    assert not left, f"processes left running: {left}"
    print("JupyterHub lifecycle (seconds):\n" + steps.report())
