"""Where the course's gradebook is: one setting, read by nbgrader_config.py and every tool.

``NBGRADER_DB_URL`` (an environment variable) names the gradebook as a SQLAlchemy URL. Unset,
the gradebook is the SQLite file ``gradebook.db`` in the course root, nbgrader's default. A
course graded by many processes or machines at once sets a PostgreSQL database instead::

    export NBGRADER_DB_URL=postgresql+psycopg2://grader@db.example.org:5432/logistic_regression

(the driver, psycopg2-binary, is in requirements.lock; the password can stay out of the URL
in ``~/.pgpass``, which the driver reads). nbgrader's own ``--CourseDirectory.db_url=...``
on a command line still wins over it for that one command.
"""

import os

VARIABLE = "NBGRADER_DB_URL"


def db_url(course_root, environ=None):
    """The gradebook's URL for the course in ``course_root``: ``NBGRADER_DB_URL`` if set, else
    ``sqlite:///<course_root>/gradebook.db`` (an absolute path)."""
    environ = os.environ if environ is None else environ
    url = environ.get(VARIABLE, "").strip()
    if url:
        return url
    return "sqlite:///" + os.path.join(os.path.abspath(course_root), "gradebook.db")


def is_sqlite(url):
    """True for an SQLite URL (a file that one process at a time may write)."""
    return url.split(":", 1)[0].split("+", 1)[0] == "sqlite"


def sqlite_file(url):
    """The file of an SQLite URL ``sqlite:///<path>``."""
    if not url.startswith("sqlite:///"):
        raise ValueError(f"not an SQLite file URL: {url}")
    return url[len("sqlite:///") :]


def redacted(url):
    """``url`` with its password (if any) replaced by ``***``, for logs."""
    scheme, sep, rest = url.partition("://")
    credentials, at, host = rest.rpartition("@")
    if not sep or not at or ":" not in credentials:
        return url
    return f"{scheme}://{credentials.split(':', 1)[0]}:***@{host}"
