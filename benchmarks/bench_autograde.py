"""Autograde many simulated submissions: fixed start-up, seconds per submission, parallel.

    .venv/bin/python benchmarks/bench_autograde.py [--students 100] [--workers 2]

In a temporary copy of the course: generate the release, submit one student (timing one
`nbgrader autograde`, i.e. start-up plus one submission), then --students correct
submissions graded sequentially by one `nbgrader autograde`, then again with
tools.grade_parallel. Targets: 100 submissions in under 3 minutes on 2 cores, and the trusted
grading (tools/grader/trusted.py: the sandboxed probe and the judge, timed alone on the same
submissions) at most 1 s of each submission.
"""

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.nbgrader.test_autograde import submit  # noqa: E402
from tests.submissions import everything  # noqa: E402
from tools.course import ASSIGNMENT  # noqa: E402
from tools.generate_release import copy_course, generate  # noqa: E402
from tools.grader import trusted  # noqa: E402
from tools.nbgrader_env import nbgrader_env, run_nbgrader  # noqa: E402


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def autograde(course):
    proc = run_nbgrader(str(course), "autograde", ASSIGNMENT, "--force")
    if proc.returncode != 0:
        sys.exit(f"autograde failed:\n{proc.stdout}{proc.stderr}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        course = Path(tmp) / "course"
        course.mkdir()
        copy_course(str(course))
        generate(str(course), quiet=True)
        files = everything()

        submit(course, "s0000", files)
        t_one, _ = timed(lambda: autograde(course))
        shutil.rmtree(course / "submitted" / "s0000")
        shutil.rmtree(course / "autograded")

        for i in range(args.students):
            submit(course, f"s{i:04d}", files)
        t_seq, _ = timed(lambda: autograde(course))
        per = (t_seq - t_one) / max(args.students - 1, 1)
        startup = t_one - per

        folders = sorted((course / "submitted").glob(f"*/{ASSIGNMENT}"))[:20]
        t_trusted, _ = timed(lambda: [trusted.grade(folder) for folder in folders])
        t_trusted /= len(folders)

        shutil.rmtree(course / "autograded")
        env = nbgrader_env()
        cmd = [sys.executable, "-m", "tools.grade_parallel", ASSIGNMENT]
        cmd += ["--workers", str(args.workers), "--", "--force"]
        t_par, proc = timed(
            lambda: subprocess.run(cmd, cwd=course, env=env, capture_output=True, text=True)
        )
        if proc.returncode != 0:
            sys.exit(f"grade_parallel failed:\n{proc.stdout}{proc.stderr}")

    print(f"one submission (start-up + 1):       {t_one:6.1f} s")
    print(f"fixed start-up (estimated):          {startup:6.1f} s")
    print(f"{args.students} submissions, sequential:     {t_seq:6.1f} s = {per:.2f} s/submission")
    print(
        f"trusted grading alone:               {t_trusted:6.2f} s/submission "
        f"({100 * t_trusted / per:.0f}% of a submission; target: at most 1 s)"
    )
    print(
        f"{args.students} submissions, {args.workers} workers:      {t_par:6.1f} s "
        f"(speed-up {t_seq / t_par:.2f}x; target: 100 in under 180 s)"
    )


if __name__ == "__main__":
    main()
