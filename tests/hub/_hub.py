"""A real JupyterHub for tests: the course's config, real OS accounts, free ports on 127.0.0.1.

``Accounts`` makes the OS accounts of one class (an instructor, students, the course's group),
with homes in a folder of the test's own, and removes them with everything they left (their
processes, homes, groups). ``Hub`` starts ``jupyterhub -f tools/hub/jupyterhub_config.py`` as
root (with its proxy, installed by ``make hub``), its state, the exchange and the homes in that
folder, and stops it with every process it started. ``User`` is one person in a browser: a
token of their own, obtained through the hub's API with their login, requests to their own
server through the proxy, and code run in a kernel of their own server (as their account).
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import psutil
import requests
import websocket

from tools.course import COURSE_ID
from tools.local_server import ProcessTree, free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tools" / "hub" / "jupyterhub_config.py"
EXCHANGE_SETUP = ROOT / "tools" / "hub" / "exchange_setup.py"
JUPYTERHUB = Path(sys.executable).parent / "jupyterhub"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
PROXY = ROOT / "_build" / ".vendor" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
SERVER_PYTHON = ROOT / "_build" / ".venv-hub" / "bin" / "python"
# Generous bounds for a loaded 2-core machine; the usual times are a few seconds.
START_TIMEOUT = 120
REQUEST_TIMEOUT = 300  # one request may run autograde in the instructor's server


def course_exchange():
    """tools/hub/course_exchange.py, loaded as the role configs load it (from its folder)."""
    path = ROOT / "tools" / "hub" / "course_exchange.py"
    spec = importlib.util.spec_from_file_location("course_exchange", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _run(*command):
    subprocess.run(command, check=True, capture_output=True, text=True)


class Accounts:
    """The OS accounts of one class, made by root for one test: ``instructor``, ``students``
    (names ``ex04t<random>`` and a letter, unique per run), the course's group ``group``, their
    homes in ``folder/homes`` (0700 each), made by ``create()``. ``remove()`` ends their
    processes and deletes all."""

    def __init__(self, folder, students=3):
        self.folder = Path(folder)
        prefix = "ex04t" + secrets.token_hex(3)
        self.instructor = prefix + "i"
        self.students = [prefix + "abcdefgh"[n] for n in range(students)]
        self.group = prefix + "g"
        self.made = []

    def create(self):
        """Make the accounts (``remove`` removes those made, even if this failed midway)."""
        homes = self.folder / "homes"
        homes.mkdir(mode=0o755)
        for name in (self.instructor, *self.students):
            home = homes / name
            _run("useradd", "--create-home", "--home-dir", str(home), "--user-group", name)
            self.made.append(name)
            home.chmod(0o700)

    @property
    def names(self):
        return [self.instructor, *self.students]

    def home(self, name):
        return Path(pwd.getpwnam(name).pw_dir)

    def uid(self, name):
        return pwd.getpwnam(name).pw_uid

    def remove(self):
        """Kill what still runs as these accounts, then delete them, their homes and groups.
        Returns the command lines of the processes that had to be killed."""
        uids = set()
        for name in self.made:
            with contextlib.suppress(KeyError):
                uids.add(self.uid(name))
        left = []
        for p in psutil.process_iter(["uids", "cmdline"]):
            with contextlib.suppress(psutil.Error):
                if p.info["uids"] and p.info["uids"].real in uids:
                    left.append(" ".join(p.info["cmdline"] or []))
                    p.kill()
        for name in self.made:
            subprocess.run(["userdel", "--remove", name], capture_output=True, check=False)
        subprocess.run(["groupdel", self.group], capture_output=True, check=False)
        self.made = []
        return left


class Hub:
    """The course's JupyterHub, run by root with its state, homes and exchange in ``folder``."""

    def __init__(self, folder, accounts):
        self.folder = Path(folder)
        self.accounts = accounts
        self.state = self.folder / "hub"
        self.exchange = self.folder / "exchange"
        self.roster = self.folder / "roster.json"
        self.password = secrets.token_urlsafe(16)  # the dummy authenticator's, root's only
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log_path = self.folder / "jupyterhub.log"
        self.proc = None
        self.processes = ProcessTree(self.folder)

    def home(self, user):
        return self.accounts.home(user)

    @property
    def course_exchange(self):
        return self.exchange / COURSE_ID

    def setup_exchange(self):
        """What an administrator runs, once: tools/hub/exchange_setup.py, as root."""
        accounts = self.accounts
        command = [sys.executable, str(EXCHANGE_SETUP), "--root", str(self.exchange)]
        command += ["--course", COURSE_ID, "--group", accounts.group]
        command += ["--instructor", accounts.instructor]
        return subprocess.run(command, check=True, capture_output=True, text=True).stdout

    def start(self):
        """Start the hub and wait until its API answers. Returns the seconds it took."""
        roster = {"instructors": [self.accounts.instructor], "students": self.accounts.students}
        self.roster.write_text(json.dumps(roster), encoding="utf-8")
        # As an administrator starts it from a plain shell (no venv on PATH): the config itself
        # must give the servers their Python and tools.
        env = {
            **os.environ,
            "PATH": SYSTEM_PATH,
            "COURSE_HUB_DIR": str(self.state),
            "COURSE_HUB_EXCHANGE": str(self.exchange),
            "COURSE_HUB_ROSTER": str(self.roster),
            "COURSE_HUB_PASSWORD": self.password,
        }
        env.pop("PYTHONPATH", None)
        command = [
            JUPYTERHUB,
            "-f",
            str(CONFIG),
            f"--JupyterHub.bind_url={self.url}",
            f"--JupyterHub.hub_port={free_port()}",
            f"--ConfigurableHTTPProxy.api_url=http://127.0.0.1:{free_port()}",
        ]
        start = time.perf_counter()
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command, cwd=self.folder, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(self._api_answers, START_TIMEOUT, "the hub's API")
        return time.perf_counter() - start

    def _api_answers(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"the hub exited with {self.proc.returncode}:\n{self.log()}")
        try:
            return requests.get(f"{self.url}/hub/api", timeout=5).status_code == 200
        except requests.ConnectionError:
            return False

    def log(self):
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def login(self, name, password=None):
        """``User`` ``name`` with a token of their own, issued through the hub's API for their
        login (what the login form does)."""
        response = requests.post(
            f"{self.url}/hub/api/users/{name}/tokens",
            json={"auth": {"username": name, "password": password or self.password}},
            timeout=30,
        )
        response.raise_for_status()
        return User(self, name, response.json()["token"])

    def remember_processes(self):
        """Note every process the hub started so far (its servers, their kernels, the proxy)."""
        self.processes.remember(self.proc)

    def stop(self, timeout=60):
        """Stop the hub as an administrator does (SIGTERM: it stops every server and the
        proxy). Returns the command lines of the processes still alive afterwards, which are
        then killed."""
        self.remember_processes()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout)
        left = self.processes.kill_leftovers()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        return left


@contextlib.contextmanager
def class_on_hub(students=3):
    """A folder of its own under /tmp (0755: pytest's own is root's only, out of the accounts'
    reach), the class's accounts and their hub. Everything is removed on the way out,
    whatever happened; a process left running fails the test that used it."""
    folder = Path(tempfile.mkdtemp(prefix="ex04hub-", dir="/tmp"))
    folder.chmod(0o755)
    accounts = hub = None
    try:
        accounts = Accounts(folder, students)
        accounts.create()
        hub = Hub(folder, accounts)
        yield hub
    finally:
        left = hub.stop() if hub is not None else []
        if accounts is not None:
            left += accounts.remove()
        shutil.rmtree(folder, ignore_errors=True)
    assert not left, f"processes left running: {left}"


class User:
    """One hub user in a browser: their token, their own server."""

    def __init__(self, hub, name, token):
        self.hub = hub
        self.name = name
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def hub_api(self, method, path, **kwargs):
        return self.session.request(
            method, f"{self.hub.url}/hub/api{path}", timeout=REQUEST_TIMEOUT, **kwargs
        )

    def start_server(self):
        """Start this user's server and wait until it is ready (the hub answers 201 when it
        is, or 202 after 10 s while it is still starting)."""
        response = self.hub_api("POST", f"/users/{self.name}/server")
        assert response.status_code in (201, 202), response.text
        wait_until(self.server_ready, START_TIMEOUT, f"{self.name}'s server")

    def server_ready(self):
        model = self.hub_api("GET", f"/users/{self.name}").json()
        return model["servers"].get("", {}).get("ready", False)

    def stop_server(self):
        response = self.hub_api("DELETE", f"/users/{self.name}/server")
        assert response.status_code in (202, 204), response.text
        wait_until(lambda: not self.server_ready(), START_TIMEOUT, f"{self.name}'s server stop")

    def server(self, method, path, owner=None, **kwargs):
        """A request to the server of ``owner`` (default: this user's), through the proxy."""
        url = f"{self.hub.url}/user/{owner or self.name}{path}"
        return self.session.request(
            method, url, timeout=REQUEST_TIMEOUT, allow_redirects=False, **kwargs
        )

    def server_json(self, method, path, **kwargs):
        """The JSON of a successful request to this user's server."""
        response = self.server(method, path, **kwargs)
        assert response.status_code == 200, f"{method} {path}: {response.status_code}"
        return response.json()

    def start_kernel(self):
        """A new kernel in this user's server (what opening a notebook does): its id."""
        response = self.server("POST", "/api/kernels", json={"name": "python3"})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def execute(self, kernel, code, timeout=REQUEST_TIMEOUT):
        """Run ``code`` in the kernel ``kernel`` of this user's server, as a notebook's cell
        does (Jupyter's websocket protocol): its stdout. An error in the code fails the test."""
        url = self.hub.url.replace("http://", "ws://", 1)
        socket = websocket.create_connection(
            f"{url}/user/{self.name}/api/kernels/{kernel}/channels",
            header=[f"Authorization: {self.session.headers['Authorization']}"],
            timeout=timeout,
        )
        msg_id = uuid.uuid4().hex
        request = {
            "header": {
                "msg_id": msg_id,
                "session": uuid.uuid4().hex,
                "username": self.name,
                "msg_type": "execute_request",
                "version": "5.3",
            },
            "parent_header": {},
            "metadata": {},
            "content": {
                "code": code,
                "silent": False,
                "store_history": False,
                "user_expressions": {},
                "allow_stdin": False,
                "stop_on_error": True,
            },
            "channel": "shell",
            "buffers": [],
        }
        out, error = [], None
        try:
            socket.send(json.dumps(request))
            while True:
                message = json.loads(socket.recv())
                if message.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = message["msg_type"], message["content"]
                if kind == "stream" and content["name"] == "stdout":
                    out.append(content["text"])
                elif kind == "error":
                    error = "\n".join(content["traceback"])
                elif kind == "status" and content["execution_state"] == "idle":
                    break
        finally:
            socket.close()
        assert error is None, f"{self.name}'s kernel: {error}"
        return "".join(out)
