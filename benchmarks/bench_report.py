"""The class at a glance: seconds ``python -m tools.report`` takes for a class of N.

    .venv/bin/python benchmarks/bench_report.py                  # 500 students
    .venv/bin/python benchmarks/bench_report.py --students 100,2000
    .venv/bin/python benchmarks/bench_report.py --students 2000 --record   # for the book

A class graded by the real grader (tests/report/classroom.py: students with known mistakes,
one flagged, two refused) in a temporary course on SQLite, then made N students large: each
new student is a copy of a graded one (round robin), their autograded notebook copied and
their submission added to the gradebook through nbgrader's API with the same scores and flag.
For each N the command runs as an instructor runs it (a new process, from the course folder,
imports included); its wall time and the page's size are printed. The load average is
printed too: on a shared machine other work slows every number down. ``--record`` writes them
to benchmarks/results/report.json, which the instructors' page quotes.
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.results import record  # noqa: E402
from tests.report.classroom import build_class, run_report  # noqa: E402
from tools.course import ASSIGNMENT, NOTEBOOK  # noqa: E402


def enlarge(course, students):
    """Add copies of the graded students of ``course`` until it has ``students`` of them."""
    from nbgrader.api import Gradebook

    # nbgrader's add_submission warns (SQLAlchemy autoflush) on every call; the rows are made.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        graded = sorted(s.student.id for s in gb.find_assignment(ASSIGNMENT).submissions)
        have = len(graded)
        templates = {}
        for sid in graded:
            nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, sid)
            templates[sid] = ({g.name: g.auto_score for g in nb.grades}, nb.flagged)
        for i in range(have, students):
            template = graded[i % len(graded)]
            sid = f"copy{i:05d}_{template}"
            src = course / "autograded" / template / ASSIGNMENT
            (course / "autograded" / sid / ASSIGNMENT).mkdir(parents=True)
            shutil.copy2(src / f"{NOTEBOOK}.ipynb", course / "autograded" / sid / ASSIGNMENT)
            (course / "submitted" / sid / ASSIGNMENT).mkdir(parents=True)
            gb.add_student(sid)
            submission = gb.add_submission(ASSIGNMENT, sid)
            scores, flagged = templates[template]
            for nb in submission.notebooks:
                nb.flagged = flagged
                for grade in nb.grades:
                    grade.auto_score = scores.get(grade.name)
            gb.db.commit()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--students", default="500", help="class sizes, comma-separated")
    parser.add_argument("--record", action="store_true", help="write results/report.json")
    args = parser.parse_args(argv)
    runs = []
    sizes = sorted(int(n) for n in args.students.split(","))
    with tempfile.TemporaryDirectory(prefix="bench-report-") as tmp:
        start = time.perf_counter()
        course, _ = build_class(Path(tmp) / "course")
        print(f"graded the base class in {time.perf_counter() - start:.1f} s")
        for n in sizes:
            start = time.perf_counter()
            enlarge(course, n)
            made = time.perf_counter() - start
            out = Path(tmp) / f"out{n}"
            start = time.perf_counter()
            proc = run_report(course, out, check=True)
            wall = time.perf_counter() - start
            size = (out / f"{ASSIGNMENT}-report.html").stat().st_size
            runs.append({"students": n, "wall": wall, "page_kib": size / 1024})
            print(
                f"{n} graded students (made in {made:.1f} s): report in {wall:.1f} s wall, "
                f"page {size / 1024:.0f} KiB; {proc.stdout.strip()}"
            )
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.record:
        print(f"recorded in {record('report', {'runs': runs})}")


if __name__ == "__main__":
    main()
