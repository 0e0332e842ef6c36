"""The course on a real JupyterHub shared by a class: an instructor and three students, each
with their own OS account and server, and one student attacking the others.

The test makes the accounts (as root), the exchange (tools/hub/exchange_setup.py, as an
administrator runs it) and the course in the instructor's home, then starts the hub with the
course's own settings (tools/hub/): every server runs as its person's account
(LocalProcessSpawner). Everything goes through the REST APIs the browser uses, each person
with their own token: the hub's API to start servers; the instructor's formgrader API to
generate, release, set the due date, collect, autograde, generate and release feedback; each
student's Assignments API to fetch, submit and fetch feedback, and Jupyter's contents API to
edit files and read the feedback.

student a solves BCE.forward, submits, then solves everything and submits again (the last
submission counts); b solves only BCE.forward; c solves everything after the due date (late).
b attacks a and the course from a kernel of b's own server, as b's account, at three stages
(before collect, after it, after the feedback's release): tests/hub/_attacks.py. Every attempt
must be refused, except planting entries under a's name in inbound, which the file system must
allow (students create entries there) and collect must reject; afterwards every honest
submission, grade and feedback is intact. At the end nothing is left running and every account,
home and folder the test made is gone (tests/hub/_hub.py, even when the test fails).
"""

import grp
import hashlib
import inspect
import json
import os
import re
import stat
import subprocess
import time
from datetime import datetime, timezone

import psutil
import pytest

from tests.hub import _attacks
from tests.hub._hub import PROXY, SERVER_PYTHON, class_on_hub, course_exchange
from tests.nbgrader.test_autograde import POINTS
from tests.submissions import LOSS, everything, solved
from tools.course import ASSIGNMENT, COURSE_ID, NOTEBOOK
from tools.release.generate import copy_course, verify_release

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

PARTIAL = {LOSS: solved(LOSS, {"BCE.forward"})}
TOTAL = sum(POINTS.values())
STUDENTS_DISABLED = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"}
FEEDBACK_SCORE = re.compile(rf"{NOTEBOOK} \(Score: ([\d.]+) / ([\d.]+)\)")
CHANGE_SLACK = course_exchange().CHANGE_SLACK_SECONDS
LATE_CHANGE = "# changed after the due date\n"
CGROUPS_OFF = "per-sandbox memory and process limits are off"
# What the file system must let a student do in inbound (collect then rejects it).
ALLOWED = {"plant an entry", "plant a link"}
# The exchange tools/hub/exchange_setup.py makes (below the course: "" is the course's folder).
EXCHANGE_MODES = {"": 0o755, "outbound": 0o755, "inbound": 0o3733, "feedback": 0o711}


@pytest.fixture
def hub():
    if not PROXY.is_file() or not SERVER_PYTHON.is_file():
        pytest.fail("the proxy or the servers' Python is missing: run `make hub`")
    if os.geteuid() != 0:
        pytest.skip("the hub of a class runs as root (it starts each server as its account)")
    with class_on_hub(students=3) as hub:
        yield hub


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


def digest(folder):
    """The content and modes of every file and folder below ``folder`` (read as root)."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in sorted(os.walk(folder)):
        dirnames.sort()
        for name in sorted([*dirnames, *filenames]):
            path = os.path.join(dirpath, name)
            info = os.lstat(path)
            h.update(f"{os.path.relpath(path, folder)} {info.st_mode:o} {info.st_uid}".encode())
            if stat.S_ISREG(info.st_mode):
                with open(path, "rb") as f:
                    h.update(f.read())
    return h.hexdigest()


def entries(hub, student=None):
    """The inbound entries (paths, as root sees them), oldest first, of ``student`` or all."""
    inbound = hub.course_exchange / "inbound"
    found = [p for p in inbound.iterdir() if student is None or p.name.split("+")[0] == student]
    return sorted(found, key=lambda p: p.name.split("+")[2])


def attack(attacker, kernel, hub, victim, stage):
    """The attempts of tests/hub/_attacks.py from ``attacker``'s kernel: {attempt: outcome}."""
    accounts = hub.accounts
    course = accounts.home(accounts.instructor) / "course"
    own = course / "feedback" / attacker.name / ASSIGNMENT / f"{NOTEBOOK}.html"
    own_feedback = next(
        (p for p in released_feedback(hub) if own.is_file() and p.read_bytes() == own.read_bytes()),
        None,
    )
    targets = {
        "exchange": str(hub.exchange),
        "course_exchange": str(hub.course_exchange),
        "assignment": ASSIGNMENT,
        "notebook": f"{NOTEBOOK}.ipynb",
        "student_file": LOSS,
        "victim": victim,
        # The victim's own (not those planted under the victim's name at an earlier stage).
        "victim_entries": [
            str(p) for p in entries(hub, victim) if p.stat().st_uid == accounts.uid(victim)
        ],
        "victim_home": str(accounts.home(victim)),
        "victim_feedback": [str(p) for p in released_feedback(hub) if p != own_feedback],
        "instructor_home": str(accounts.home(accounts.instructor)),
        "home": str(accounts.home(attacker.name)),
        **victim_server(victim),
        # Later than any real submission: collect would take it, were it not rejected.
        "late_timestamp": "2999-01-01 00:00:00.000000 UTC",
        "stage": stage,
    }
    code = inspect.getsource(_attacks) + f"\nattack(json.loads({json.dumps(targets)!r}))\n"
    return json.loads(attacker.execute(kernel, code))


def released_feedback(hub):
    """The feedback files in the exchange (as root sees them)."""
    return sorted((hub.course_exchange / "feedback").iterdir())


def refused(outcomes):
    """The attempts that did not end as they must."""
    wrong = {}
    for name, outcome in outcomes.items():
        expected = "done" if name in ALLOWED else ("denied", "exit")
        if not outcome.startswith(expected):
            wrong[name] = outcome
    return wrong


def servers(name):
    """The processes of ``name``'s server (found by root: the servers the hub started)."""
    found = []
    for p in psutil.process_iter(["environ", "cmdline"]):
        env = p.info["environ"] or {}
        if env.get("JUPYTERHUB_USER") == name and "jupyterhub.singleuser" in p.info["cmdline"]:
            found.append(p)
    return found


def victim_server(name):
    """What an attacker of ``name`` would aim at: their server's process id and port."""
    [server] = servers(name)
    [port] = {c.laddr.port for c in server.net_connections("inet") if c.status == "LISTEN"}
    return {"victim_server_pid": server.pid, "victim_server_port": port}


def test_class_on_jupyterhub_each_student_alone(hub):
    steps = Steps()
    accounts = hub.accounts
    a, b, c = accounts.students
    work = {a: everything(), b: PARTIAL, c: everything()}
    # BCE.forward alone earns its core and its robustness cell.
    expected = {a: TOTAL, b: POINTS["bce_forward"] + POINTS["bce_forward_robust"], c: TOTAL}

    # What an administrator prepares: the exchange, and the course in the instructor's home.
    course = accounts.home(accounts.instructor) / "course"
    course.mkdir()
    copy_course(str(course))
    subprocess.run(["chown", "-R", f"{accounts.instructor}:", str(course)], check=True)
    steps("exchange setup", hub.setup_exchange)
    assert hub.setup_exchange() == hub.setup_exchange()  # again: nothing changes
    for rel, mode in EXCHANGE_MODES.items():
        info = (hub.course_exchange / rel).stat()
        assert stat.S_IMODE(info.st_mode) == mode, rel
        assert info.st_uid == accounts.uid(accounts.instructor), rel
    root = hub.exchange.stat()
    assert (stat.S_IMODE(root.st_mode), root.st_uid) == (0o755, 0)

    steps("hub start", hub.start)
    people = [hub.login(name) for name in accounts.names]
    instructor, *students = people
    by_name = {u.name: u for u in people}
    for user in people:
        steps(f"server start ({user.name})", user.start_server)
    hub.remember_processes()
    for user in people:
        assert [p.username() for p in servers(user.name)] == [user.name]

    # Roles: the formgrader is the instructor's only (its API and its menu); nobody reaches
    # another's server, nor logs in as another without the password.
    assert instructor.server("GET", "/formgrader/api/status").status_code == 200
    assert not disabled_lab_extensions(instructor) & STUDENTS_DISABLED
    for student in students:
        assert student.server("GET", "/formgrader/api/status").status_code == 404
        assert disabled_lab_extensions(student) >= STUDENTS_DISABLED
        for other in people:
            if other is not student:
                assert student.server("GET", "/api/contents", owner=other.name).status_code == 403
    attacker = by_name[b]
    for path in (f"..%2F{a}", f"%2E%2E/%2E%2E/{a}/{ASSIGNMENT}", f"..%2F{accounts.instructor}"):
        assert attacker.server("GET", f"/api/contents/{path}").status_code != 200, path
    with pytest.raises(Exception, match="403"):
        hub.login(accounts.instructor, password="guessed")

    # Instructor: generate the student version, check it, release it.
    steps("generate", formgrader, instructor, "generate", f"assignment/{ASSIGNMENT}/assign")
    assert verify_release(str(course / "release" / ASSIGNMENT), str(course)) == []
    steps("release", formgrader, instructor, "release", f"assignment/{ASSIGNMENT}/release")
    outbound = hub.course_exchange / "outbound" / ASSIGNMENT
    release = digest(outbound)

    # Students: the course and the assignment appear; fetch, edit, submit. a submits twice.
    for student in students:
        courses = student.server_json("GET", "/courses")
        assert courses == {"success": True, "value": [COURSE_ID]}
        listing = assignments(student)
        assert [(x["assignment_id"], x["status"]) for x in listing] == [(ASSIGNMENT, "released")]
        listing = steps(f"fetch ({student.name})", assignments, student, "fetch")
        assert [x["status"] for x in listing] == ["fetched"]

    def submit(student, files):
        for rel, text in files.items():
            write_file(student, f"{ASSIGNMENT}/{rel}", text)
        listing = steps(f"submit ({student.name})", assignments, student, "submit")
        return submission_entry(listing)["submissions"]

    submit(by_name[a], PARTIAL)
    assert len(submit(by_name[a], work[a])) == 2
    a_submitted = time.monotonic()
    [submission] = submit(by_name[b], work[b])
    assert submission["student_id"] == b
    # The due date, now, through the formgrader (its Manage Assignments page); c is late.
    duedate = datetime.now(timezone.utc).replace(tzinfo=None)
    body = {"duedate_notimezone": duedate.isoformat(sep=" "), "duedate_timezone": "UTC"}
    response = instructor.server("PUT", f"/formgrader/api/assignment/{ASSIGNMENT}", json=body)
    assert response.status_code == 200, response.text
    time.sleep(0.01)
    submit(by_name[c], work[c])
    # a changes their last entry after the due date: they own it (its name, random suffix and
    # all, is in the log of a submit they run themselves; root hands it over here). Collect
    # dates the entry by that change: a is late too.
    [*_, a_last] = entries(hub, a)
    time.sleep(max(0.0, CHANGE_SLACK + 1 - (time.monotonic() - a_submitted)))
    a_kernel = by_name[a].start_kernel()
    code = f"open({str(a_last / LOSS)!r}, 'a').write({LATE_CHANGE!r})"
    steps(f"change after the due date ({a})", by_name[a].execute, a_kernel, code)
    for name in accounts.students:
        for entry in entries(hub, name):
            info = entry.stat()
            assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (accounts.uid(name), 0o770)
            assert info.st_gid == grp.getgrnam(accounts.group).gr_gid
    honest = {p.name: digest(p) for p in entries(hub)}

    # b attacks a before collect.
    kernel = attacker.start_kernel()
    outcomes = {
        "before collect": steps("attacks (before collect)", attack, attacker, kernel, hub, a, 1)
    }
    planted = [p.name for p in entries(hub) if p.name not in honest]
    assert len(planted) == 2, planted

    # Instructor: collect (a's last submission; the planted entries rejected), autograde.
    result = steps("collect", formgrader, instructor, "collect", f"assignment/{ASSIGNMENT}/collect")
    for name in accounts.students:
        assert f"Collecting submission: {name} {ASSIGNMENT}" in result["log"]
    assert result["log"].count(f"but is owned by {b}") == 1, result["log"]
    assert "not a folder (a link or a file)" in result["log"], result["log"]
    collected = course / "submitted" / a / ASSIGNMENT / LOSS
    assert collected.read_text(encoding="utf-8") == work[a][LOSS] + LATE_CHANGE
    assert f"{a_last.name!r} was changed after it was submitted" in result["log"]
    outcomes["after collect"] = steps(
        "attacks (after collect)", attack, attacker, kernel, hub, a, 2
    )
    for name in accounts.students:
        path = f"submission/{ASSIGNMENT}/{name}/autograde"
        steps(f"autograde ({name})", formgrader, instructor, "autograde", path)
    hub.remember_processes()
    # Graded in the sandbox as the instructor's account (bubblewrap without root), without
    # the per-sandbox cgroup: the servers live in the root hub's cgroup, which no account may
    # write to, and nothing here delegates one. The instructor's server says so in its log
    # (the hub's), once.
    assert hub.log().count(CGROUPS_OFF) == 1, hub.log()[-3000:]
    submissions = instructor.server_json("GET", f"/formgrader/api/submissions/{ASSIGNMENT}")
    scores = {s["student"]: (s["score"], s["max_score"]) for s in submissions}
    assert scores == {name: (expected[name], TOTAL) for name in accounts.students}
    # Late as the gradebook records it: the submission's time after the due date.
    recorded = instructor.server_json("GET", f"/formgrader/api/assignment/{ASSIGNMENT}")
    recorded_due = datetime.fromisoformat(recorded["duedate_notimezone"])
    assert abs((recorded_due - duedate).total_seconds()) < 1e-3
    late = {
        s["student"] for s in submissions if datetime.fromisoformat(s["timestamp"]) > recorded_due
    }
    assert late == {a, c}
    feedback = f"assignment/{ASSIGNMENT}/generate_feedback"
    steps("generate feedback", formgrader, instructor, "generate feedback", feedback)
    feedback = f"assignment/{ASSIGNMENT}/release_feedback"
    steps("release feedback", formgrader, instructor, "release feedback", feedback)
    released = list((hub.course_exchange / "feedback").iterdir())
    assert len(released) == len(accounts.students)
    for path in released:
        # The instructor's, 0600 and readable by its student through an access ACL (whose
        # mask shows as the group's bits).
        info = path.stat()
        assert (info.st_uid, stat.S_IMODE(info.st_mode)) == (
            accounts.uid(accounts.instructor),
            0o640,
        )
        assert os.getxattr(path, "system.posix_acl_access")
    released_feedback = digest(hub.course_exchange / "feedback")
    outcomes["after feedback"] = steps(
        "attacks (after feedback)", attack, attacker, kernel, hub, a, 3
    )

    # Students: Fetch Feedback; each reads their own, and only their own.
    pages = {}
    for student in students:
        listing = steps(f"fetch feedback ({student.name})", assignments, student, "fetch_feedback")
        submission = submission_entry(listing)["submissions"][-1]
        assert submission["has_local_feedback"] and not submission["feedback_updated"]
        folder = submission["local_feedback_path"]  # ex04/feedback/<timestamp>, in the home
        pages[student.name] = read_file(student, f"{folder}/{NOTEBOOK}.html")
        for other in accounts.students:
            assert other == student.name or other not in str(listing)
    for name, html in pages.items():
        [(score, max_score)] = FEEDBACK_SCORE.findall(html)
        assert (float(score), float(max_score)) == (expected[name], TOTAL)
        mine = course / "feedback" / name / ASSIGNMENT / f"{NOTEBOOK}.html"
        assert html == mine.read_text(encoding="utf-8"), f"{name} got feedback not theirs"
        # Every feedback in the student's home is their own (b's too, after its attempts).
        found = list((accounts.home(name) / ASSIGNMENT).rglob("*.html"))
        assert found and all(p.read_text(encoding="utf-8") == html for p in found), (name, found)
    assert pages[a].count("] passed: ") == len(POINTS)
    assert pages[b].count("] passed: ") == 2  # BCE.forward's core and robustness cells
    assert "not implemented yet" in pages[b]

    # Every attempt refused (but the planting, which collect rejected); the release, the honest
    # entries and the released feedback unchanged.
    failed = {stage: refused(found) for stage, found in outcomes.items()}
    assert not any(failed.values()), f"attacks not refused: {failed}"
    assert {p.name: digest(p) for p in entries(hub) if p.name in honest} == honest
    assert digest(outbound) == release
    assert digest(hub.course_exchange / "feedback") == released_feedback

    # One student stops their server (File > Hub Control Panel > Stop My Server); stopping the
    # hub stops the others, and the proxy: nothing the hub started is left.
    steps(f"server stop ({a})", by_name[a].stop_server)
    left = steps("hub stop (3 servers running)", hub.stop)
    assert not left, f"processes left running: {left}"
    print("JupyterHub lifecycle (seconds):\n" + steps.report())
    print(json.dumps(outcomes, indent=1))
