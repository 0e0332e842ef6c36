"""Autograde an assignment with K parallel ``nbgrader autograde`` processes, losing no grade.

Why not just start ``nbgrader autograde`` K times? All of them would write the one SQLite
gradebook at once; SQLite serialises writers, and a writer that waits longer than the busy
timeout fails ("database is locked") after its student's notebook was already executed, so
a grade can be lost. Here every worker gets its *own* gradebook instead:

1. The submitted students (``submitted/<student>/<assignment>/``) are split round-robin into
   K shards.
2. Each worker starts from a copy of the course gradebook (which holds the assignment, its
   grade cells and their checksums, written by ``nbgrader generate_assignment``) and runs
   the real ``nbgrader autograde <assignment>`` in the course directory with
   ``--CourseDirectory.db_url=<its copy>`` and ``--CourseDirectory.student_id_exclude=<every
   student of the other shards>``. Workers write disjoint ``autograded/<student>/`` folders.
3. After all workers finished, each shard's submissions (student, timestamp, per-cell
   scores, comments, flags) are copied into the course gradebook with nbgrader's Gradebook
   API. Cells are matched by their database id, which the copies share with the course
   gradebook, so no grade can land on the wrong cell.
4. Verification: every submitted student must have a submission in the course gradebook
   and an autograded notebook. Submissions that nbgrader could not grade (a kernel that
   died or never answered, invalid notebook JSON) stay in the gradebook flagged for manual
   grading (``needs_manual_grade``) and are listed; the exit status is then 1, as it is
   for ``nbgrader autograde`` itself. Submissions that the autograde hook in
   ``nbgrader_config.py`` flagged (code that reaches around the grading, see
   ``tools/scan_submissions.py``) are listed too, and also give exit status 1.

Usage, from the course root (where nbgrader_config.py is)::

    .venv/bin/python -m tools.grade_parallel ex04 --workers 2
    .venv/bin/python -m tools.grade_parallel ex04 --workers 2 --export grades.csv -- --force

Arguments after ``--`` are passed to every ``nbgrader autograde`` (e.g. ``--force`` to grade
again, or ``--ExecutePreprocessor.timeout=120``). Exit status: 0 every submission graded,
1 some submissions flagged for manual grading or review (listed), 2 a grade is missing from the
gradebook (a bug: never expected).
"""

import argparse
import contextlib
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from tools.nbgrader_env import nbgrader_command, nbgrader_env


def submitted_students(course: Path, assignment: str) -> list[str]:
    """Every student with a ``submitted/<student>/<assignment>`` folder, sorted."""
    root = course / "submitted"
    if not root.is_dir():
        return []
    return sorted(p.parent.name for p in root.glob(f"*/{assignment}") if p.is_dir())


def shard(students: list[str], workers: int) -> list[list[str]]:
    """Round-robin split into at most ``workers`` non-empty shards."""
    shards = [students[k::workers] for k in range(workers)]
    return [s for s in shards if s]


def copy_gradebook(src: Path, dst: Path) -> None:
    """A consistent copy of an SQLite gradebook (SQLite's backup API, not a file copy)."""
    with sqlite3.connect(src) as s, sqlite3.connect(dst) as d:
        s.backup(d)


def run_workers(course, assignment, shards, all_students, workdir, extra_args, env=None):
    """Start one ``nbgrader autograde`` per shard at once; wait; return their exit codes."""
    procs = []
    for k, students in enumerate(shards):
        db = workdir / f"worker{k}.db"
        copy_gradebook(course / "gradebook.db", db)
        others = sorted(set(all_students) - set(students))
        cmd = [
            *nbgrader_command("autograde"),
            assignment,
            f"--CourseDirectory.db_url=sqlite:///{db}",
        ]
        if others:
            cmd.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
        cmd += list(extra_args)
        log = open(workdir / f"worker{k}.log", "w")  # noqa: SIM115 - closed below
        procs.append(
            (subprocess.Popen(cmd, cwd=course, stdout=log, stderr=subprocess.STDOUT, env=env), log)
        )
    codes = []
    for proc, log in procs:
        codes.append(proc.wait())
        log.close()
    return codes


def merge(main_db: Path, worker_db: Path, assignment: str, students: list[str]) -> list[str]:
    """Copy the submissions of ``students`` from a worker gradebook into the course one.

    Returns the students that have no submission in the worker gradebook (nbgrader did not
    even record them; never seen in practice, but checked).
    """
    missing = []
    with Gradebook(f"sqlite:///{main_db}") as main, Gradebook(f"sqlite:///{worker_db}") as work:
        for sid in students:
            try:
                wsub = work.find_submission(assignment, sid)
            except MissingEntry:
                missing.append(sid)
                continue
            st = wsub.student
            main.update_or_create_student(
                sid,
                first_name=st.first_name,
                last_name=st.last_name,
                email=st.email,
                lms_user_id=st.lms_user_id,
            )
            with contextlib.suppress(MissingEntry):  # a first grading has none to remove
                main.remove_submission(assignment, sid)
            msub = main.add_submission(
                assignment, sid, timestamp=wsub.timestamp, extension=wsub.extension
            )
            mnbs = {nb.name: nb for nb in msub.notebooks}
            for wnb in wsub.notebooks:
                mnb = mnbs[wnb.name]
                mnb.flagged = wnb.flagged
                mnb.late_submission_penalty = wnb.late_submission_penalty
                # The same cell ids: the worker gradebooks are copies of this one.
                grades = {g.cell_id: g for g in mnb.grades}
                for g in wnb.grades:
                    m = grades[g.cell_id]
                    m.auto_score = g.auto_score
                    m.manual_score = g.manual_score
                    m.extra_credit = g.extra_credit
                    m.needs_manual_grade = g.needs_manual_grade
                comments = {c.cell_id: c for c in mnb.comments}
                for c in wnb.comments:
                    m = comments[c.cell_id]
                    m.auto_comment = c.auto_comment
                    m.manual_comment = c.manual_comment
            main.db.commit()
    return missing


def verify(course: Path, assignment: str, students: list[str]):
    """Return (lost, ungraded, review): students without a gradebook submission, students
    whose submission has no autograded notebook (nbgrader failed on it; needs manual
    grading), and students whose submission the autograde hook flagged for review."""
    lost, ungraded, review = [], [], []
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for sid in students:
            try:
                submission = gb.find_submission(assignment, sid)
            except MissingEntry:
                lost.append(sid)
                continue
            if not list((course / "autograded" / sid / assignment).glob("*.ipynb")):
                ungraded.append(sid)
            elif any(nb.flagged for nb in submission.notebooks):
                review.append(sid)
    return lost, ungraded, review


def grade_parallel(course, assignment, workers=2, extra_args=(), export=None, env=None, log=print):
    """Autograde every submitted student of ``assignment`` with ``workers`` processes.

    :return: (exit status, lost students, flagged students); see the module docstring.
    """
    course = Path(course).resolve()
    env = nbgrader_env(env)
    students = submitted_students(course, assignment)
    if not students:
        log(f"no submissions in {course / 'submitted'}/*/{assignment}")
        return 0, [], []
    if not (course / "gradebook.db").exists():
        raise SystemExit("gradebook.db not found: run `nbgrader generate_assignment` first.")
    shards = shard(students, workers)
    workdir = course / ".grade_parallel"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    t0 = time.perf_counter()
    codes = run_workers(course, assignment, shards, students, workdir, extra_args, env)
    t1 = time.perf_counter()
    log(
        f"{len(students)} submissions, {len(shards)} workers: "
        f"autograde {t1 - t0:.1f} s, exit codes {codes}"
    )
    lost = []
    for k, students_k in enumerate(shards):
        lost += merge(course / "gradebook.db", workdir / f"worker{k}.db", assignment, students_k)
    lost_v, ungraded, review = verify(course, assignment, students)
    flagged = sorted(ungraded + review)
    lost = sorted(set(lost) | set(lost_v))
    log(f"merged into {course / 'gradebook.db'} in {time.perf_counter() - t1:.1f} s")
    if export:
        subprocess.run(
            nbgrader_command("export", f"--to={export}", f"--assignment={assignment}"),
            cwd=course,
            check=True,
            capture_output=True,
            env=env,
        )
        if not Path(export).exists():
            raise SystemExit(f"nbgrader export did not write {export}")
        log(f"grades exported to {export}")
    if lost:
        log("NO GRADE for: " + ", ".join(lost) + f" (see {workdir}/worker*.log)")
        return 2, lost, flagged
    if ungraded:
        log(
            "nbgrader could not grade (flagged for manual grading, see "
            f"{workdir}/worker*.log): " + ", ".join(ungraded)
        )
    if review:
        log(
            "code that reaches around the grading (flagged for review; the findings are in "
            f"{workdir}/worker*.log): " + ", ".join(review)
        )
    if flagged:
        return 1, lost, flagged
    shutil.rmtree(workdir)
    log("every submission has a grade")
    return 0, lost, flagged


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--course-dir", default=".", help="the course root (default: .)")
    parser.add_argument("--export", help="also write the grades as CSV (nbgrader export)")
    argv = sys.argv[1:] if argv is None else list(argv)
    # Everything after "--" goes to nbgrader autograde unchanged.
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    status, _, _ = grade_parallel(
        args.course_dir, args.assignment, args.workers, extra, export=args.export
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
