"""JupyterHub for the course: instructors grade in the formgrader, students work in Assignments.

Settings only. A class on one machine: the hub runs as root and starts each person's server
as their own OS account (LocalProcessSpawner), so that no student can read, change or break
another's work or the instructor's; tests/hub/test_course_on_hub.py runs exactly these
settings with real accounts. What an administrator prepares (tools/hub/README.md):

- an OS account per person (never root), named as they log in to the hub, and the roster
  (``$COURSE_HUB_ROSTER``, JSON: {"instructors": [...], "students": [...]});
- the exchange, once, as root: ``python3 tools/hub/exchange_setup.py`` (its modes);
- the course (this repository) cloned into each instructor's ``~/course``, owned by them;
- ``make hub``: the proxy, and the servers' Python (``_build/.venv-hub``) every account can run.

What holds in every deployment:
- Roles are JupyterHub groups: members of ``instructors`` get the formgrader and the course's
  nbgrader configuration (``tools/hub/instructors``); everyone else is a student
  (``tools/hub/students``: no formgrader, the student id is their JupyterHub name, which is
  their OS account).
- One exchange folder, shared by all servers, named in ``NBGRADER_EXCHANGE``. nbgrader
  without it silently creates its system-wide default and reports success.
- The instructor's copy of the course lives in ``~/course``: the formgrader needs the course
  inside the instructor's server's root folder.
"""

import json
import os
import pwd

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))

# The hub's own state (database, cookie secret, proxy pid): root's only.
HUB_DIR = os.path.abspath(os.environ.get("COURSE_HUB_DIR", "/srv/jupyterhub"))
os.makedirs(HUB_DIR, mode=0o700, exist_ok=True)
# The exchange, made by tools/hub/exchange_setup.py: the same path for every server.
EXCHANGE = os.path.abspath(os.environ.get("COURSE_HUB_EXCHANGE", "/srv/nbgrader/exchange"))
# The servers' Python: a venv of the system's Python that every account may run (`make hub`).
PYTHON = os.environ.get(
    "COURSE_HUB_PYTHON", os.path.join(REPO, "_build", ".venv-hub", "bin", "python")
)
ROSTER_FILE = os.environ.get("COURSE_HUB_ROSTER", os.path.join(HUB_DIR, "roster.json"))

# --- the hub ------------------------------------------------------------------------------
# On 127.0.0.1 only. A class reached from other machines needs the public address behind TLS
# (JupyterHub.ssl_cert/ssl_key, or a reverse proxy in front), e.g. "https://0.0.0.0:443", and
# a real authenticator (below) first.
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
with open(ROSTER_FILE, encoding="utf-8") as f:
    ROSTER = json.load(f)
INSTRUCTORS, STUDENTS = list(ROSTER["instructors"]), list(ROSTER["students"])
for name in INSTRUCTORS + STUDENTS:
    try:
        account = pwd.getpwnam(name)
    except KeyError:
        raise SystemExit(f"{ROSTER_FILE}: {name} has no OS account (useradd it first)") from None
    if account.pw_uid == 0:
        raise SystemExit(f"{ROSTER_FILE}: {name} is root; every person has an account of their own")
    if os.stat(account.pw_dir).st_mode & 0o077:
        raise SystemExit(f"{name}'s home {account.pw_dir} is open to other accounts: chmod 700 it")
# The dummy authenticator, with one password that only the administrator knows
# ($COURSE_HUB_PASSWORD), on 127.0.0.1: enough for a trial run by the administrator, never for
# a class. A class needs a real authenticator whose names are the OS accounts: "pam" (the
# accounts' own passwords), jupyterhub-ltiauthenticator (the learning platform) or
# oauthenticator (the university's login) with a username mapping to the accounts.
c.JupyterHub.authenticator_class = "dummy"
if not os.environ.get("COURSE_HUB_PASSWORD"):
    raise SystemExit("set COURSE_HUB_PASSWORD: the dummy authenticator's one password")
c.DummyAuthenticator.password = os.environ["COURSE_HUB_PASSWORD"]
c.Authenticator.allowed_users = set(INSTRUCTORS + STUDENTS)
c.JupyterHub.load_groups = {
    "instructors": {"users": INSTRUCTORS},
    "students": {"users": STUDENTS},
}

# --- every user's server ------------------------------------------------------------------
# Each server runs as the OS account of the user's name (set-user-id from the root hub), in
# its home; homes are 0700, so nobody reads another's work or the instructor's course.
c.JupyterHub.spawner_class = "localprocess"
# The servers' Python, with its bin/ first on PATH (nbgrader runs `alembic` from there) and no
# PYTHONPATH (a kernel must import the exercise_code beside its notebook, never the
# repository's), however the hub was started.
c.Spawner.cmd = [PYTHON, "-m", "jupyterhub.singleuser"]
c.Spawner.env_keep = ["LANG", "LC_ALL"]
c.Spawner.default_url = "/lab"
c.Spawner.environment = {
    "PATH": os.pathsep.join([os.path.dirname(PYTHON), "/usr/local/bin", "/usr/bin", "/bin"]),
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
