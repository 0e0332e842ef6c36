"""Grading capacity: submissions per core-minute, and N submissions on 1 and 2 workers, on
SQLite and on PostgreSQL.

    .venv/bin/python benchmarks/bench_autograde.py                      # 100 submissions
    .venv/bin/python benchmarks/bench_autograde.py --students 20 --workers 1,2,4
    .venv/bin/python benchmarks/bench_autograde.py --databases sqlite

In a temporary copy of the course, for each gradebook (SQLite: the default file; PostgreSQL: a
throwaway server, tests/postgres.py): generate the release, submit --students correct
submissions, and grade them all with ``tools.grader.grade_parallel`` for each number of workers
(``--force``: every run grades every submission). Every run must grade every submission.

Reported per run: wall time, seconds per submission, submissions per core-minute (the
submissions over the machine's cores times the wall time: the capacity of a machine this size
kept busy), the trusted grading's share (tools/grader/trusted.py timed alone), and what would
show a stall: the longest gap between two consecutive graded notebooks of one worker, the
longest silence in a worker's log (with the line before it), and how many notebooks a cell
timeout stopped (``Execute.timeout``). The load average is printed: on a shared machine other
work slows every number down.

Targets: 100 submissions in under 3 minutes with 2 workers on 2 cores; trusted grading at most
1 s of a submission.
"""

import argparse
import itertools
import os
import re
import shutil
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import record  # noqa: E402
from tests.nbgrader.test_autograde import new_course, submit  # noqa: E402
from tests.postgres import PostgresServer  # noqa: E402
from tests.submissions import everything  # noqa: E402
from tools.course import ASSIGNMENT  # noqa: E402
from tools.grader import gradebook, trusted  # noqa: E402
from tools.grader.grade_parallel import WORKDIR, grade_parallel, shard  # noqa: E402

RECORDED = ("wall", "per_submission", "per_core_minute")  # what --record keeps of a run
# Timestamps in the workers' logs (to the millisecond), to find where a stall waits.
LOG_FORMAT = "%(asctime)s.%(msecs)03d [%(name)s | %(levelname)s] %(message)s"
_STAMP = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)[.,](\d{3}) ")


def make_course(folder, students, env):
    """A course in ``folder`` with its release generated and ``students`` correct submissions."""
    new_course(folder, env)  # generate_assignment records the assignment in env's gradebook
    files = everything()
    for i in range(students):
        submit(folder, f"s{i:04d}", files)
    return folder


def longest_gap(course, shards):
    """The longest time between two consecutive graded notebooks of one worker (seconds)."""
    gaps = []
    for students in shards:
        times = sorted(
            (course / "autograded" / s / ASSIGNMENT / "logistic_regression.ipynb").stat().st_mtime
            for s in students
        )
        gaps += [b - a for a, b in itertools.pairwise(times)]
    return max(gaps, default=0.0)


def longest_silence(logs):
    """(seconds, line before) of the longest time between two lines of one worker's log."""
    best = (0.0, "")
    for path in logs:
        previous = None
        for line in path.read_text(errors="replace").splitlines():
            match = _STAMP.match(line)
            if not match:
                continue
            stamp = time.mktime(time.strptime(match.group(1), "%Y-%m-%d %H:%M:%S"))
            stamp += int(match.group(2)) / 1000
            if previous and stamp - previous[0] > best[0]:
                best = (stamp - previous[0], previous[1])
            previous = (stamp, line)
    return best


def grade_run(course, workers, env):
    """Grade every submission of ``course`` with ``workers`` workers; return the measurements."""
    shutil.rmtree(course / "autograded", ignore_errors=True)
    start = time.perf_counter()
    result = grade_parallel(
        course,
        ASSIGNMENT,
        workers,
        ["--force", f"--Application.log_format={LOG_FORMAT}", "--log-level=DEBUG"],
        env=env,
        keep_logs=True,
        log=lambda _: None,
    )
    wall = time.perf_counter() - start
    if result.status != 0 or result.regraded:
        sys.exit(f"grading lost or flagged submissions: {result}")
    n = len(result.students)
    notebooks = (course / "autograded").glob(f"*/{ASSIGNMENT}/*.ipynb")
    return {
        "wall": wall,
        "per_submission": wall / n,
        "per_core_minute": n / (wall / 60 * os.cpu_count()),
        "gap": longest_gap(course, shard(result.students, workers)),
        "silence": longest_silence(sorted((course / WORKDIR).glob("*.log"))),
        "timeouts": sum("The notebook stopped here" in nb.read_text() for nb in notebooks),
    }


def trusted_share(course, count=10):
    """Seconds of trusted grading alone per submission (the first ``count`` submissions)."""
    folders = sorted((course / "submitted").glob(f"*/{ASSIGNMENT}"))[:count]
    start = time.perf_counter()
    for folder in folders:
        trusted.grade(folder)
    return (time.perf_counter() - start) / len(folders)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", default="1,2", help="comma-separated (default: 1,2)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--record", action="store_true", help="write benchmarks/results/autograde.json"
    )
    args = parser.parse_args(argv)
    workers = [int(k) for k in args.workers.split(",")]
    print(f"{args.students} submissions; {os.cpu_count()} cores; load {os.getloadavg()}")
    rows, shares = [], {}
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp, ExitStack() as stack:
        for database in args.databases.split(","):
            env = dict(os.environ)
            env.pop(gradebook.VARIABLE, None)
            if database == "postgresql":
                server = stack.enter_context(PostgresServer())
                env[gradebook.VARIABLE] = server.create_database()
            course = make_course(Path(tmp) / database, args.students, env)
            for k in workers:
                rows.append((database, k, grade_run(course, k, env)))
                print_row(*rows[-1], args.students)
            share = trusted_share(course)
            shares[database] = share
            print(f"  trusted grading alone: {share:.2f} s/submission (target: at most 1 s)")
    print(f"load average at the end: {os.getloadavg()}")
    if args.record:
        runs = [
            {"database": db, "workers": k, **{key: m[key] for key in RECORDED}} for db, k, m in rows
        ]
        share = max(shares.values())
        print(
            "recorded",
            record(
                "autograde",
                {"students": args.students, "runs": runs, "trusted_per_submission": share},
            ),
        )
    return rows


def print_row(database, workers, m, students):
    print(
        f"{database:10s} {workers} worker(s): {students} submissions in {m['wall']:6.1f} s "
        f"({m['per_submission']:.2f} s each), {m['per_core_minute']:5.1f} per core-minute; "
        f"longest gap between two of a worker {m['gap']:.1f} s; notebooks stopped by a cell "
        f"timeout: {m['timeouts']}"
    )
    seconds, line = m["silence"]
    print(f"    longest silence in a worker's log: {seconds:.1f} s after: {line[:160]}")


if __name__ == "__main__":
    rows = main()
    two = [m["wall"] for db, k, m in rows if k == 2]
    if two:
        print(f"2 workers, slowest gradebook: {max(two):.1f} s (target for 100: under 180 s)")
