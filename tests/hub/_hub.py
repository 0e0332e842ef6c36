"""A real JupyterHub for tests: the course's config, free ports on 127.0.0.1, a folder of its own.

``Hub`` starts ``jupyterhub -f tools/hub/jupyterhub_config.py`` (with its proxy, installed by
``make hub``) with every file it writes in ``COURSE_HUB_DIR``, and stops it with every process
it started. ``User`` is one person in a browser: a token of their own, obtained through the
hub's API with their login, and requests to their own server through the proxy.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tools.local_server import ProcessTree, free_port, wait_until

ROOT = Path(__file__).resolve().parents[2]
CONFIG = ROOT / "tools" / "hub" / "jupyterhub_config.py"
JUPYTERHUB = Path(sys.executable).parent / "jupyterhub"
SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
PROXY = ROOT / "_build" / ".vendor" / "hub" / "node_modules" / ".bin" / "configurable-http-proxy"
# Generous bounds for a loaded 2-core machine; the usual times are a few seconds.
START_TIMEOUT = 120
REQUEST_TIMEOUT = 300  # one request may run autograde in the instructor's server


class Hub:
    """The course's JupyterHub, running with all its state in ``folder``."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log_path = self.folder / "jupyterhub.log"
        self.proc = None
        self.processes = ProcessTree(self.folder)

    @property
    def exchange(self):
        return self.folder / "exchange"

    def home(self, user):
        return self.folder / "homes" / user

    def start(self):
        """Start the hub and wait until its API answers. Returns the seconds it took."""
        # As an instructor starts it from a plain shell (no venv on PATH): the config itself
        # must give the servers the course's Python and tools.
        env = {**os.environ, "PATH": SYSTEM_PATH, "COURSE_HUB_DIR": str(self.folder)}
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

    def login(self, name, password="any"):
        """``User`` ``name`` with a token of their own, issued through the hub's API for their
        login (what the login form does; the trial's authenticator accepts any password)."""
        response = requests.post(
            f"{self.url}/hub/api/users/{name}/tokens",
            json={"auth": {"username": name, "password": password}, "note": "test"},
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
