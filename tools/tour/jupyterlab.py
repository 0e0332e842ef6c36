"""A real ``jupyter lab`` for a tour or a test: 127.0.0.1, a free port, a token, one home folder.

``JupyterLab(home, cwd)`` runs the course's JupyterLab (the venv's, with nbgrader's server and
lab extensions) with ``HOME`` and every state folder of Jupyter, IPython and matplotlib in
``home``, serving ``home``, started in ``cwd``. ``stop()`` shuts it down through its API and
kills whatever it started that is still alive, and says which processes that was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import subprocess
import sys
from pathlib import Path

import requests

from tools.local_server import ProcessTree, free_port, wait_until
from tools.nbgrader_env import nbgrader_env

BIN = Path(sys.executable).parent
# Variables that point Jupyter, IPython, matplotlib or the XDG folders elsewhere than $HOME.
STATE_VARIABLES = (
    "JUPYTER_CONFIG_DIR",
    "JUPYTER_CONFIG_PATH",
    "JUPYTER_DATA_DIR",
    "JUPYTER_PATH",
    "JUPYTER_RUNTIME_DIR",
    "IPYTHONDIR",
    "MPLCONFIGDIR",
    "XDG_CACHE_HOME",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
)
# Generous bounds for a loaded 2-core machine; the server usually starts in a few seconds.
START_TIMEOUT = 120
STOP_TIMEOUT = 30


def home_env(home, env=None):
    """``env`` (default: ours) fit for nbgrader (``nbgrader_env``) with all state in ``home``."""
    env = nbgrader_env(env)
    for name in STATE_VARIABLES:
        env.pop(name, None)
    env["HOME"] = str(home)
    return env


class JupyterLab:
    """``jupyter lab`` serving ``home`` (also its ``HOME``), started in ``cwd``."""

    def __init__(self, home, cwd, env=None):
        self.home = Path(home)
        self.cwd = Path(cwd)
        self.env = home_env(self.home, env)
        self.token = secrets.token_hex(16)
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log_path = self.home / "jupyterlab.log"
        self.proc = None
        self.processes = ProcessTree(self.home)

    def start(self):
        """Start the server and wait until its API answers."""
        command = [
            str(BIN / "jupyter-lab"),
            "--no-browser",
            "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={self.url.rsplit(':', 1)[1]}",
            "--ServerApp.port_retries=0",
            f"--ServerApp.root_dir={self.home}",
            f"--IdentityProvider.token={self.token}",
        ]
        if os.geteuid() == 0:  # Jupyter refuses to run as root unless told (a container)
            command.append("--allow-root")
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                command, cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )
        wait_until(self._api_answers, START_TIMEOUT, "JupyterLab's API")
        self.remember_processes()

    def _api_answers(self):
        if self.proc.poll() is not None:
            raise RuntimeError(f"JupyterLab exited with {self.proc.returncode}:\n{self.log()}")
        try:
            return self.api("GET", "/api/status").status_code == 200
        except requests.ConnectionError:
            return False

    def api(self, method, path, **kwargs):
        """A request to the server's REST API with the token."""
        headers = {"Authorization": f"token {self.token}"}
        return requests.request(method, self.url + path, headers=headers, timeout=30, **kwargs)

    def lab_url(self, path="/lab"):
        """The address a browser opens, logging in with the token."""
        return f"{self.url}{path}?token={self.token}"

    def log(self):
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def remember_processes(self):
        """Note every process the server started so far (kernels, nbgrader's), to stop them."""
        self.processes.remember(self.proc)

    def stop(self):
        """Shut the server down as its File > Shut Down does (it stops its kernels), then kill
        whatever it started that is still alive. Returns those processes' command lines."""
        self.remember_processes()
        if self.proc is not None and self.proc.poll() is None:
            with contextlib.suppress(requests.RequestException):
                self.api("POST", "/api/shutdown")
            try:
                self.proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.terminate()
        left = self.processes.kill_leftovers()
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
        if self.proc is not None:
            self.proc.wait()
        return left
