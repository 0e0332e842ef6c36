"""JupyterHub for the course: instructors grade in the formgrader, students work in Assignments.

Settings only. Run from any folder: ``.venv/bin/jupyterhub -f tools/hub/jupyterhub_config.py``
(after ``make``, which installs JupyterHub and its proxy). As it stands this is the one-machine
trial (what tests/hub/test_course_on_hub.py starts): every user's server runs as the OS user
who started the hub, with a home of its own under ``$COURSE_HUB_DIR/homes``, and nobody is
protected from anybody. The lines marked REAL DEPLOYMENT say what to change for a class.

What holds in every deployment:
- Roles are JupyterHub groups: members of ``instructors`` get the formgrader and the course's
  nbgrader configuration (``tools/hub/instructors``); everyone else is a student
  (``tools/hub/students``: no formgrader, the student id is their JupyterHub name).
- One exchange folder, shared by all servers, named in ``NBGRADER_EXCHANGE``. nbgrader
  without it silently creates its system-wide default and reports success.
- The instructor's copy of the course (this repository) lives in ``~/course``: the
  formgrader needs the course inside the instructor's server's root folder.
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# Everything the trial hub writes: its database, cookie secret, proxy pid, homes, exchange.
HUB_DIR = os.path.abspath(os.environ.get("COURSE_HUB_DIR", os.path.join(REPO, "_build", "hub")))
# REAL DEPLOYMENT: a folder every user's server sees at the same path (a shared volume), made
# once by root: mkdir -p /srv/nbgrader/exchange && chmod 777 /srv/nbgrader/exchange
EXCHANGE = os.path.join(HUB_DIR, "exchange")

# --- the hub ------------------------------------------------------------------------------
# REAL DEPLOYMENT: the public address behind TLS (JupyterHub.ssl_cert/ssl_key, or a reverse
# proxy in front), e.g. bind_url = "https://0.0.0.0:443".
c.JupyterHub.bind_url = "http://127.0.0.1:8000"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.db_url = "sqlite:///" + os.path.join(HUB_DIR, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(HUB_DIR, "jupyterhub_cookie_secret")
# configurable-http-proxy, installed by `make hub` at the version of tools/hub/package-lock.json.
c.ConfigurableHTTPProxy.command = [
    os.path.join(
        REPO, "_build", ".vendor", "hub", "node_modules", ".bin", "configurable-http-proxy"
    )
]
c.ConfigurableHTTPProxy.pid_file = os.path.join(HUB_DIR, "jupyterhub-proxy.pid")
# Stopping the hub stops every user's server and the proxy (the defaults, stated).
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True

# --- who is who ---------------------------------------------------------------------------
# REAL DEPLOYMENT: a real authenticator (jupyterhub-ltiauthenticator from the learning
# platform, oauthenticator for the university's login, or "pam" for OS accounts) whose
# groups fill `instructors`; never "dummy", which lets anyone log in as anyone.
c.JupyterHub.authenticator_class = "dummy"
c.Authenticator.allowed_users = {"instructor", "student1", "student2"}
c.JupyterHub.load_groups = {
    "instructors": {"users": ["instructor"]},
    "students": {"users": ["student1", "student2"]},
}

# --- every user's server ------------------------------------------------------------------
# REAL DEPLOYMENT: one OS account or one container per user, so that nobody can read another
# student's files or the instructor's gradebook: "systemdspawner" (PyPI:
# jupyterhub-systemdspawner) or "dockerspawner", with the exchange at the same path everywhere.
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = os.path.join(HUB_DIR, "homes", "{username}")
# The trial's servers run the hub's own Python (the course's .venv), with its bin/ first on
# PATH (nbgrader runs `alembic` from there) and no PYTHONPATH (a kernel must import the
# exercise_code beside its notebook, never the repository's), however the hub was started.
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.env_keep = ["LANG", "LC_ALL"]
# Jupyter refuses to run as root unless told; the trial's servers run as the hub's OS user,
# which may be root (in a container). Real per-user accounts are never root.
c.Spawner.args = ["--allow-root"] if os.geteuid() == 0 else []
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "PATH": os.pathsep.join(
        [os.path.dirname(sys.executable), "/usr/local/bin", "/usr/bin", "/bin"]
    ),
    "NBGRADER_EXCHANGE": EXCHANGE,
    # Jupyter and nbgrader read the role's settings from here (after the user's own ~/.jupyter).
    "JUPYTER_CONFIG_PATH": os.path.join(HERE, "students"),
}
c.Spawner.group_overrides = {
    "10-instructors": {
        "groups": ["instructors"],
        "spawner_override": {
            "environment": {"JUPYTER_CONFIG_PATH": os.path.join(HERE, "instructors")}
        },
    },
}
# A server starts in a few seconds here; a loaded machine with many logins at once needs more.
c.Spawner.start_timeout = 120
c.Spawner.http_timeout = 60
