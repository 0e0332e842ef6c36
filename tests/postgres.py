"""A throwaway PostgreSQL server for the tests and the benchmarks (Debian's ``postgresql``).

``PostgresServer`` runs ``initdb`` into a temporary folder of its own, starts ``postgres``
listening on 127.0.0.1 only, on a free port, with its Unix socket in that folder too, and
password authentication for every connection (scram-sha-256; the password is random). Each
caller gets a database of its own (``create_database``); ``stop`` ends the server and removes
the folder.

PostgreSQL refuses to run as root. As root (the tests run as root here) the cluster belongs to
the ``postgres`` account that Debian's package creates (``nobody`` where it does not exist):
the folder is given to it and ``initdb`` and ``postgres`` are started through ``setpriv`` with
its user and group ids. The folder is made with ``tempfile.mkdtemp`` under ``/tmp`` rather
than in pytest's ``tmp_path``, whose parents are private to root and so closed to that user.
"""

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time

from tools.local_server import free_port

SUPERUSER = "grader"
START_SECONDS = 60.0  # a loaded 2-core machine; it takes about 2 s here
SETPRIV = "/usr/bin/setpriv"


class PostgresUnavailable(RuntimeError):
    """PostgreSQL's server programs are not installed."""


def server_bin():
    """The folder of ``initdb`` and ``postgres``: on PATH, else Debian's newest version."""
    found = shutil.which("initdb")
    if found:
        return os.path.dirname(os.path.realpath(found))
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(p.split("/")[-3]) if p.split("/")[-3].isdigit() else 0,
    )
    if not versions:
        raise PostgresUnavailable(
            "PostgreSQL is not installed (initdb not found on PATH or in /usr/lib/postgresql); "
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


class PostgresServer:
    """One PostgreSQL cluster in a temporary folder, started by ``start``, ended by ``stop``."""

    def __init__(self):
        self.bin = server_bin()
        self.account = _server_account()
        self.password = secrets.token_hex(16)
        self.folder = None
        self.port = None
        self.proc = None

    # ------------------------------------------------------------------ running
    def _as_server_user(self, argv):
        if self.account is None:
            return argv
        uid, gid = self.account
        return [SETPRIV, f"--reuid={uid}", f"--regid={gid}", "--clear-groups", "--", *argv]

    def _give(self, path):
        if self.account is not None:
            os.chown(path, *self.account)

    def start(self):
        """initdb, then start the server and wait until it accepts connections. Returns self."""
        self.folder = tempfile.mkdtemp(prefix="postgres-")
        self._give(self.folder)
        self.data = os.path.join(self.folder, "data")
        self.sockets = os.path.join(self.folder, "sockets")
        os.mkdir(self.sockets)
        self._give(self.sockets)
        pwfile = os.path.join(self.folder, "password")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        self._give(pwfile)
        subprocess.run(
            self._as_server_user(
                [
                    os.path.join(self.bin, "initdb"),
                    "-D",
                    self.data,
                    "-U",
                    SUPERUSER,
                    f"--pwfile={pwfile}",
                    "--auth=scram-sha-256",
                    "--encoding=UTF8",
                    "--no-locale",
                    "--no-sync",  # a throwaway cluster: no need to wait for the disk
                    "--no-instructions",
                ]
            ),
            cwd=self.folder,
            check=True,
            capture_output=True,
        )
        os.remove(pwfile)
        last_error = None
        for _ in range(3):  # another program may take the free port before the server does
            self.port = free_port()
            try:
                self._start_server()
                return self
            except RuntimeError as exc:
                last_error = exc
        self.stop()
        raise RuntimeError(f"PostgreSQL did not start: {last_error}")

    def _start_server(self):
        log = open(os.path.join(self.folder, "server.log"), "ab")  # noqa: SIM115 - the server's
        self.proc = subprocess.Popen(
            self._as_server_user(
                [
                    os.path.join(self.bin, "postgres"),
                    "-D",
                    self.data,
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    f"port={self.port}",
                    "-c",
                    f"unix_socket_directories={self.sockets}",
                    "-c",
                    "max_connections=100",
                ]
            ),
            cwd=self.folder,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a Ctrl-C of the tests reaches it through stop() only
        )
        log.close()
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.log_tail())
            try:
                self.connect("postgres").close()
                return
            except Exception:
                time.sleep(0.1)
        self._end_server()
        raise RuntimeError(f"no connection within {START_SECONDS} s: {self.log_tail()}")

    def log_tail(self, lines=20):
        with open(os.path.join(self.folder, "server.log"), errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def _end_server(self):
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            self.proc.send_signal(signal.SIGINT)  # "fast shutdown": end every session now
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self.proc = None

    def stop(self):
        """End the server and remove its folder."""
        self._end_server()
        if self.folder:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # ------------------------------------------------------------------ databases
    def connect(self, database):
        import psycopg2  # only where a server is used

        return psycopg2.connect(
            host="127.0.0.1",
            port=self.port,
            user=SUPERUSER,
            password=self.password,
            dbname=database,
            connect_timeout=5,
        )

    def url(self, database):
        """The SQLAlchemy URL of ``database`` (the setting ``NBGRADER_DB_URL`` takes)."""
        return f"postgresql+psycopg2://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name=None):
        """A new empty database (a fresh name unless given); returns its URL."""
        name = name or f"course_{secrets.token_hex(4)}"
        conn = self.connect("postgres")
        try:
            conn.autocommit = True  # CREATE DATABASE cannot run in a transaction
            with conn.cursor() as cur:
                cur.execute(f'CREATE DATABASE "{name}"')
        finally:
            conn.close()
        return self.url(name)
