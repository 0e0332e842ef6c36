"""Start-up of nbgrader commands in the course: wall time, and what their imports cost.

    .venv/bin/python benchmarks/bench_startup.py [--repeat 5]

Each command runs ``--repeat`` times from a temporary copy of the course (with its release
generated), as the tools start it (tools/nbgrader_env.py); the minimum and the median are
reported. The commands read the course's nbgrader_config.py (which imports tools.grader),
and the gradebook, and do next to nothing else:

- ``nbgrader db student list``             the gradebook, no conversion;
- ``nbgrader autograde ex04``               every grading preprocessor loaded, no submission;
- ``nbgrader generate_feedback ex04``       the HTML exporter loaded, nothing to convert.

Then one ``python -X importtime -m nbgrader db student list``: the ten slowest imports (their
own time plus what they import), and what rfc3987_syntax cost (requirements.lock leaves it
out, see the Makefile: importing it took 2.3 s of every command; Python still reports the
failed attempt, in microseconds).

Target: at most 3 s for any nbgrader command on this 2-core machine (5-6 s before).
"""

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import record  # noqa: E402
from tools.course import ASSIGNMENT  # noqa: E402
from tools.nbgrader_env import nbgrader_env, run_nbgrader  # noqa: E402
from tools.release.generate import copy_course, generate  # noqa: E402

COMMANDS = (
    ("db", "student", "list"),
    ("autograde", ASSIGNMENT),
    ("generate_feedback", ASSIGNMENT),
)
TARGET = 3.0


def timed(course, args):
    start = time.perf_counter()
    run_nbgrader(course, *args)
    return time.perf_counter() - start


def slowest_imports(course, args, count=10):
    """[(cumulative seconds, module)] of the slowest top-level imports of ``nbgrader args``."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "nbgrader", *args],
        cwd=course,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        _, cumulative, name = line[len("import time:") :].split("|")
        rows.append((int(cumulative) / 1e6, name.rstrip()))
    rfc3987 = sum(seconds for seconds, name in rows if name.strip() == "rfc3987_syntax")
    return sorted(rows, reverse=True)[:count], rfc3987


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--record", action="store_true", help="write results/startup.json")
    args = parser.parse_args(argv)
    medians = {}  # command: median seconds
    print(f"{os.cpu_count()} cores; load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        course = Path(tmp)
        copy_course(str(course))
        generate(str(course), quiet=True)
        for command in COMMANDS:
            times = [timed(course, command) for _ in range(args.repeat)]
            name = " ".join(command)
            medians[name] = statistics.median(times)
            print(
                f"nbgrader {name:28s} min {min(times):.2f} s, "
                f"median {medians[name]:.2f} s ({args.repeat} runs)"
            )
        rows, rfc3987 = slowest_imports(course, COMMANDS[0])
    print("slowest imports of `nbgrader db student list` (cumulative):")
    for seconds, name in rows:
        print(f"  {seconds:6.3f} s  {name}")
    installed = importlib.util.find_spec("rfc3987_syntax") is not None
    print(f"rfc3987_syntax: installed {installed}, its import took {rfc3987 * 1000:.1f} ms")
    worst = max(medians.values())
    verdict = "met" if worst <= TARGET else "MISSED"
    print(f"slowest median {worst:.2f} s; target at most {TARGET:.0f} s: {verdict}")
    print(f"load average at the end: {os.getloadavg()}")
    if args.record:
        print("recorded", record("startup", {"median_seconds": medians, "target": TARGET}))


if __name__ == "__main__":
    main()
