"""``python -m tools.report ex04``: write the class's report (HTML and CSV); see the package."""

import argparse
import sys
import time
from pathlib import Path

from .collect import collect
from .render import page, write_csv


def report(course, assignment, output_dir=None, db_url=None):
    """Write ``<assignment>-report.html`` and ``<assignment>-report.csv`` into ``output_dir``
    (default ``<course>/reports``); return the two paths and the ``ClassReport``."""
    course = Path(course)
    out = Path(output_dir) if output_dir else course / "reports"
    out.mkdir(parents=True, exist_ok=True)
    data = collect(course, assignment, db_url)
    html_path, csv_path = out / f"{assignment}-report.html", out / f"{assignment}-report.csv"
    html_path.write_text(page(data), encoding="utf-8")
    write_csv(data, csv_path)
    return html_path, csv_path, data


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.report",
        description="Write an offline HTML report of an assignment's grading (score "
        "histogram, pass rates, named mistakes, flags, refusals) and a CSV, one row a student.",
    )
    parser.add_argument("assignment")
    parser.add_argument("--course-dir", default=".", help="the course root (default: .)")
    parser.add_argument("--output-dir", help="where to write them (default: <course>/reports)")
    parser.add_argument(
        "--db-url", help="the gradebook (default: NBGRADER_DB_URL, else <course>/gradebook.db)"
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    html_path, csv_path, data = report(
        args.course_dir, args.assignment, args.output_dir, args.db_url
    )
    print(
        f"{len(data.records)} students of {args.assignment} in "
        f"{time.perf_counter() - start:.1f} s: {html_path} and {csv_path}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
