"""What a student tries against a classmate and the course, from a kernel of their own server.

Standard library only: ``test_course_on_hub`` sends this file's source to the attacker's
kernel, which runs as the attacker's OS account, and calls ``attack(targets)`` with what the
attacker is assumed to know (the names of the victim's entries and feedback, read by root:
the worst case, where names leak). ``attack`` prints one JSON object, {attempt: outcome}: the
outcome is ``denied (<errno name>)`` when the system refused, ``done`` when it did it.
"""

import errno
import json
import os
import shutil
import signal
import subprocess
import urllib.error
import urllib.request


def _try(outcomes, name, action):
    try:
        action()
    except OSError as e:
        outcomes[name] = f"denied ({errno.errorcode.get(e.errno, e.errno)})"
    else:
        outcomes[name] = "done"


def _read(path):
    with open(path, "rb") as f:
        return f.read()


def _write(path, mode="w"):
    with open(path, mode) as f:
        f.write("# changed by a classmate\n")


def _http(outcomes, name, url):
    """GET ``url`` with the attacker's own token (the one the hub gave the attacker's server,
    in every kernel's environment): ``denied (HTTP <code>)`` unless it answers 200."""
    token = os.environ["JUPYTERHUB_API_TOKEN"]
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            outcomes[name] = f"done (HTTP {response.status})"
    except urllib.error.HTTPError as e:
        outcomes[name] = f"denied (HTTP {e.code})"


def _copy_own_work(src, dest):
    """A full copy of the attacker's own fetched assignment at ``dest`` (a planted entry)."""
    shutil.copytree(src, dest)


def attack(t):
    """Every attempt of one stage. ``t``: paths and names (see test_course_on_hub.TARGETS)."""
    out = {}
    root, course = t["exchange"], t["course_exchange"]
    inbound, outbound, feedback = (
        os.path.join(course, n) for n in ("inbound", "outbound", "feedback")
    )
    # The exchange and the course's folders.
    _try(out, "list inbound", lambda: os.listdir(inbound))
    _try(out, "list feedback", lambda: os.listdir(feedback))
    _try(out, "rename the course", lambda: os.rename(course, course + "-gone"))
    _try(out, "make a course", lambda: os.mkdir(os.path.join(root, "fake-course")))
    _try(out, "rename outbound", lambda: os.rename(outbound, outbound + "-gone"))
    _try(out, "rename inbound", lambda: os.rename(inbound, inbound + "-gone"))
    _try(out, "delete feedback", lambda: os.rmdir(feedback))
    _try(out, "open inbound to all", lambda: os.chmod(inbound, 0o777))
    _try(out, "delete the release", lambda: shutil.rmtree(os.path.join(outbound, t["assignment"])))
    _try(out, "fill outbound", lambda: os.mkdir(os.path.join(outbound, "junk")))
    released = os.path.join(outbound, t["assignment"], t["notebook"])
    _try(out, "change the release", lambda: _write(released, "a"))
    _try(out, "fill feedback", lambda: _write(os.path.join(feedback, "junk.html")))
    # The victim's submissions, by name.
    for n, entry in enumerate(t["victim_entries"]):
        _try(out, f"list entry {n}", lambda e=entry: os.listdir(e))
        _try(out, f"read entry {n}", lambda e=entry: _read(os.path.join(e, t["student_file"])))
        secret = os.path.join(entry, "submission_secret.txt")
        _try(out, f"read entry {n}'s secret", lambda s=secret: _read(s))
        _try(out, f"change entry {n}", lambda e=entry: _write(os.path.join(e, t["student_file"])))
        _try(out, f"add to entry {n}", lambda e=entry: _write(os.path.join(e, "extra.py"), "x"))
        _try(out, f"rename entry {n}", lambda e=entry: os.rename(e, e + "-gone"))
        _try(out, f"delete entry {n}", lambda e=entry: shutil.rmtree(e))
    # Entries under the victim's name, later than theirs: the file system lets any student
    # create an entry in inbound (that is how a submission arrives); collect must reject them.
    planted = os.path.join(inbound, f"{t['victim']}+{t['assignment']}+{t['late_timestamp']}+")
    own = os.path.join(t["home"], t["assignment"])
    _try(out, "plant an entry", lambda: _copy_own_work(own, f"{planted}planted{t['stage']}"))
    _try(out, "plant a link", lambda: os.symlink(own, f"{planted}link{t['stage']}"))
    # Homes: the victim's work, the instructor's course, its source and gradebook.
    _try(out, "list the victim's home", lambda: os.listdir(t["victim_home"]))
    victim_file = os.path.join(t["victim_home"], t["assignment"], t["student_file"])
    _try(out, "read the victim's work", lambda: _read(victim_file))
    _try(out, "list the instructor's home", lambda: os.listdir(t["instructor_home"]))
    course_copy = os.path.join(t["instructor_home"], "course")
    source = os.path.join(course_copy, "source", t["assignment"], t["notebook"])
    _try(out, "read source/", lambda: _read(source))
    _try(out, "read the gradebook", lambda: _read(os.path.join(course_copy, "gradebook.db")))
    submitted = os.path.join(course_copy, "submitted", t["victim"], t["assignment"])
    _try(out, "read the collected submission", lambda: os.listdir(submitted))
    # Other students' feedback, by name (nbgrader's hash of each one's secret).
    for n, path in enumerate(t["victim_feedback"]):
        _try(out, f"read feedback {n}", lambda p=path: _read(p))
        _try(out, f"change feedback {n}", lambda p=path: _write(p))
        _try(out, f"delete feedback {n}", lambda p=path: os.remove(p))
        _try(out, f"rename feedback {n}", lambda p=path: os.rename(p, p + "-gone"))
    # The victim's server: its process, its token (in its environment), its port (directly,
    # not through the proxy), and the hub's API about the victim.
    pid = t["victim_server_pid"]
    _try(out, "read the victim's server token", lambda: _read(f"/proc/{pid}/environ"))
    _try(out, "stop the victim's server", lambda: os.kill(pid, signal.SIGKILL))
    victim_api = f"http://127.0.0.1:{t['victim_server_port']}/user/{t['victim']}/api/contents"
    _http(out, "the victim's server, directly", victim_api)
    hub_api = os.environ["JUPYTERHUB_API_URL"]
    _http(out, "the hub's record of the victim", f"{hub_api}/users/{t['victim']}")
    # nbgrader itself, told that the attacker is the victim.
    if t["victim_feedback"]:
        command = ["nbgrader", "fetch_feedback", t["assignment"], f"--student={t['victim']}"]
        result = subprocess.run(command, cwd=t["home"], capture_output=True, text=True)
        out["fetch the victim's feedback"] = f"exit {result.returncode}"
    print(json.dumps(out))
