"""A throwaway PostgreSQL server for the tests and the benchmarks (Debian's ``postgresql``).

``PostgresServer`` is pytest-postgresql's ``PostgreSQLExecutor`` (``pg_ctl`` under mirakuru):
``initdb`` into a temporary folder of its own, the server listening on 127.0.0.1 only, on a
free port, with its Unix socket and log in that folder too, and password authentication for
every connection (scram-sha-256; the password is random). Each caller gets a database of its
own (``create_database``, through pytest-postgresql's ``DatabaseJanitor``); ``stop`` ends the
server (``pg_ctl stop -m fast``; mirakuru ends whatever else it started), waits until the
server's main process has ended, and removes the folder.

PostgreSQL refuses to run as root. As root (the tests run as root here) the cluster belongs to
the ``postgres`` account that Debian's package creates (``nobody`` where it does not exist):
the executor is given, as its ``pg_ctl``, a two-line script in the folder that runs the real
one through ``setpriv`` with that account's user and group ids, and the cluster's own folder
is given to it. That is also why ``initdb`` (``pg_ctl initdb``) is run here and not by the
executor: the executor writes the password file as a temporary file private to root, which
that account cannot read, and sets the ``password`` method rather than scram-sha-256. The
folder is made with ``tempfile.mkdtemp`` under ``/tmp`` rather than in pytest's ``tmp_path``,
whose parents are private to root and so closed to that user.
"""

import contextlib
import glob
import os
import pwd
import secrets
import shlex
import shutil
import subprocess
import tempfile

import port_for
import psutil
from mirakuru.exceptions import AlreadyRunning, ProcessExitedWithError
from pytest_postgresql.executors import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor

SUPERUSER = "grader"
START_SECONDS = 60  # a loaded 2-core machine; it takes about 2 s here
SETPRIV = "/usr/bin/setpriv"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server programs are not installed."""


def server_bin():
    """The folder of ``pg_ctl``: on PATH, else Debian's newest version (off PATH)."""
    found = shutil.which("pg_ctl")
    if found:
        return os.path.dirname(os.path.realpath(found))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"),
        key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0,
    )
    if not versions:
        raise PostgresUnavailable(
            "PostgreSQL is not installed (pg_ctl not found on PATH or in /usr/lib/postgresql); "
            "`make postgres` installs Debian's postgresql"
        )
    return os.path.dirname(versions[-1])


def _server_account():
    """(uid, gid) to run the server as: None when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            entry = pwd.getpwnam(name)
            return entry.pw_uid, entry.pw_gid
    raise PostgresUnavailable("running as root, and neither a postgres nor a nobody account")


class _Executor(PostgreSQLExecutor):
    """pytest-postgresql's executor, with the cluster made by ``initdb`` as set here, its
    files given to ``account`` (uid, gid) unless that is None."""

    def __init__(self, account, **kwargs):
        super().__init__(**kwargs)
        self.account = account

    def init_directory(self):
        if self._directory_initialised or os.path.isdir(self.datadir):
            return
        pwfile = os.path.join(os.path.dirname(self.datadir), "password")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        if self.account is not None:
            os.chown(pwfile, *self.account)
        options = [
            f"--username={self.user}",
            f"--pwfile={pwfile}",
            "--auth=scram-sha-256",
            "--encoding=UTF8",
            "--no-locale",
            "--no-sync",  # a throwaway cluster: no need to wait for the disk
        ]
        try:
            command = [self.executable, "initdb", "-D", self.datadir, "-o", shlex.join(options)]
            subprocess.run(command, check=True, capture_output=True, timeout=START_SECONDS)
        finally:
            os.remove(pwfile)
        self._directory_initialised = True


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder, started by ``start``, ended by ``stop``."""

    def __init__(self):
        self.bin = server_bin()
        self.account = _server_account()
        self.password = secrets.token_hex(16)
        self.folder = None
        self.port = None
        self.executor = None

    def start(self):
        """initdb, then start the server and wait until it accepts connections. Returns self."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self):
        self.folder = tempfile.mkdtemp(prefix="postgres-")
        os.chmod(self.folder, 0o755)  # root's; the server's files are in cluster/, its own
        cluster = os.path.join(self.folder, "cluster")
        os.mkdir(cluster, 0o700)
        pg_ctl = os.path.join(self.bin, "pg_ctl")
        if self.account is not None:
            os.chown(cluster, *self.account)
            uid, gid = self.account
            pg_ctl = os.path.join(self.folder, "pg_ctl")
            with open(pg_ctl, "w") as f:
                f.write(
                    "#!/bin/sh\n"
                    f"exec {SETPRIV} --reuid={uid} --regid={gid} --clear-groups -- "
                    f'{shlex.quote(os.path.join(self.bin, "pg_ctl"))} "$@"\n'
                )
            os.chmod(pg_ctl, 0o755)
        last_error = None
        for _ in range(3):  # another program may take the free port before the server does
            self.port = port_for.get_port(None)
            self.executor = _Executor(
                self.account,
                executable=pg_ctl,
                host="127.0.0.1",
                port=self.port,
                datadir=os.path.join(cluster, "data"),
                unixsocketdir=cluster,
                logfile=os.path.join(cluster, "server.log"),
                startparams="-w",
                dbname="postgres",
                timeout=START_SECONDS,
                user=SUPERUSER,
                password=self.password,
                postgres_options="-c listen_addresses=127.0.0.1 -c max_connections=100",
            )
            try:
                self.executor.start()
                return self
            except (AlreadyRunning, ProcessExitedWithError) as exc:
                last_error = exc
        raise RuntimeError(f"PostgreSQL did not start: {last_error}")

    def stop(self):
        """End the server and remove its folder."""
        if self.executor is not None:
            server = self._postmaster()
            if server is None:  # it never started: end whatever pg_ctl left
                self.executor.kill()
            else:
                try:
                    self.executor.stop()
                except Exception:  # it would not stop
                    self.executor.kill()
                # pg_ctl returns once the pid file is gone, the server a moment later
                psutil.wait_procs([server], timeout=START_SECONDS)
            self.executor = None
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def _postmaster(self):
        """The server's main process (the first line of its ``postmaster.pid``), or None."""
        try:
            with open(os.path.join(self.executor.datadir, "postmaster.pid")) as f:
                return psutil.Process(int(f.readline()))
        except (OSError, ValueError, psutil.Error):
            return None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------------ databases
    def url(self, database):
        """The SQLAlchemy URL of ``database`` (the setting ``NBGRADER_DB_URL`` takes)."""
        return f"postgresql+psycopg2://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name=None):
        """A new empty database (a fresh name unless given); returns its URL."""
        name = name or f"course_{secrets.token_hex(4)}"
        DatabaseJanitor(
            user=SUPERUSER, host="127.0.0.1", port=self.port, dbname=name, password=self.password
        ).init()
        return self.url(name)
