"""Autograde an assignment with K parallel ``nbgrader autograde`` processes, losing no grade.

    .venv/bin/python -m tools.grader.grade_parallel ex04 --workers 2
    .venv/bin/python -m tools.grader.grade_parallel ex04 --workers 2 --export grades.csv -- --force

1. The submitted students (``submitted/<student>/<assignment>/``) are split round-robin into
   K shards, and each shard is graded by the real ``nbgrader autograde <assignment>``, run in
   the course root with ``--CourseDirectory.student_id_exclude=<every other student>``.
   Workers write disjoint ``autograded/<student>/`` folders.
2. The gradebook (``NBGRADER_DB_URL``, tools/grader/gradebook.py): on PostgreSQL every worker
   writes to it at once; on SQLite each worker gets a copy, merged back afterwards
   (tools/grader/sqlite_shards.py says why).
3. Check: every submitted student must have an autograded notebook and a score
   (tools/grader/grading_check.py). Those a round lost (a worker that crashed or was killed, a
   failure of the grading machinery such as ``GraderError``, any error nbgrader reports for
   a submission) are graded again, with ``--force``, up to ``--retries`` more rounds. A kernel
   that dies loses nothing: the grade does not come from it (tools/grader/preprocessors.py).
4. Summary: who was graded again and why, who still has no grade and why, every submission
   the intake refused (never graded again: a link or a special file will not change) and
   every flagged submission, with their reasons (tools/grader/flags.py).

Arguments after ``--`` go to every ``nbgrader autograde`` (e.g. ``--force`` to grade again).
Exit status: 0 every submission graded, none flagged; 1 some submissions still have no grade
(named); 2 every submission graded or refused, some refused or flagged for review (named,
with reasons).
"""

import argparse
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from tools.grader import gradebook, grading_check, sqlite_shards
from tools.grader.flags import REFUSED, flagged
from tools.nbgrader_env import nbgrader_env, run_nbgrader, start_nbgrader

WORKDIR = ".grade_parallel"  # in the course root: the workers' logs (and SQLite copies)


@dataclass
class Result:
    """What grading achieved: the exit status and who needs a person's attention."""

    status: int
    students: list[str]
    regraded: dict[str, str] = field(default_factory=dict)  # student: why it was lost first
    ungraded: dict[str, str] = field(default_factory=dict)  # student: why it has no grade
    flags: list = field(default_factory=list)  # [(tools.grader.flags.Flag, state)]
    refused: dict[str, str] = field(default_factory=dict)  # student: why the intake refused


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


@dataclass
class _Worker:
    students: list[str]
    log_path: Path
    db_url: str | None = None  # an SQLite copy, or None: the course's gradebook itself
    process: object = None


def _run_round(course, assignment, shards, everyone, db_url, workdir, round_no, args, env):
    """Grade each shard with its own ``nbgrader autograde`` at once; wait for all of them."""
    workers = []
    for k, students in enumerate(shards):
        worker = _Worker(students, workdir / f"round{round_no}-worker{k}.log")
        cmd = ["autograde", assignment]
        if gradebook.is_sqlite(db_url):
            copy = workdir / f"round{round_no}-worker{k}.db"
            sqlite_shards.copy_gradebook(Path(gradebook.sqlite_file(db_url)), copy)
            worker.db_url = f"sqlite:///{copy}"
            cmd.append(f"--CourseDirectory.db_url={worker.db_url}")
        others = sorted(set(everyone) - set(students))
        if others:
            cmd.append("--CourseDirectory.student_id_exclude=" + ",".join(others))
        with open(worker.log_path, "w") as log:  # the child has its own descriptor
            worker.process = start_nbgrader(course, *cmd, *args, env=env, log=log)
        workers.append(worker)
    for worker in workers:
        worker.process.wait()
        if worker.db_url:
            sqlite_shards.merge(db_url, worker.db_url, assignment, worker.students)
    return workers


def _why_lost(workers, problems):
    """{student: reason} for the students in ``problems``, from their worker's fate and log."""
    reasons = {}
    for worker in workers:
        errors = grading_check.errors_in_log(worker.log_path.read_text(errors="replace"))
        code = worker.process.returncode
        for sid in worker.students:
            if sid not in problems:
                continue
            if sid in errors:
                reasons[sid] = f"{errors[sid]} ({problems[sid]})"
            elif code is not None and code < 0:
                reasons[sid] = f"its worker was killed by signal {-code} ({problems[sid]})"
            else:
                reasons[sid] = f"{problems[sid]} (exit status {code}, see {worker.log_path})"
    return reasons


def grade_parallel(
    course,
    assignment,
    workers=2,
    extra_args=(),
    export=None,
    env=None,
    retries=2,
    keep_logs=False,
    log=print,
):
    """Autograde every submitted student of ``assignment`` with ``workers`` processes.

    :param retries: how many more rounds grade the students a round lost.
    :param keep_logs: keep the workers' logs (in ``.grade_parallel/``) after a clean run too.
    :return: a Result; see the module docstring for its status.
    """
    course = Path(course).resolve()
    env = nbgrader_env(env)
    db_url = gradebook.db_url(course, env)
    students = submitted_students(course, assignment)
    if not students:
        log(f"no submissions in {course / 'submitted'}/*/{assignment}")
        return Result(0, [])
    sqlite_missing = (
        gradebook.is_sqlite(db_url) and not Path(gradebook.sqlite_file(db_url)).exists()
    )
    if sqlite_missing or not grading_check.has_assignment(db_url, assignment):
        raise SystemExit(
            f"{assignment} is not in the gradebook {gradebook.redacted(db_url)}: run "
            f"`nbgrader generate_assignment {assignment}` first."
        )
    workdir = course / WORKDIR
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir()
    log(f"gradebook: {gradebook.redacted(db_url)}")

    result, pending, args = Result(0, students), students, list(extra_args)
    for round_no in range(1 + retries):
        shards = shard(pending, workers)
        start = time.perf_counter()
        ran = _run_round(course, assignment, shards, students, db_url, workdir, round_no, args, env)
        codes = ", ".join(str(w.process.returncode) for w in ran)
        log(
            f"round {round_no + 1}: {len(pending)} submissions on {len(shards)} workers in "
            f"{time.perf_counter() - start:.1f} s (exit status {codes})"
        )
        problems = grading_check.missing(course, db_url, assignment, pending)
        lost = _why_lost(ran, problems)
        for sid, why in sorted(lost.items()):
            log(f"  no grade for {sid}: {why}")
        if round_no == 0:
            result.regraded = dict(lost)
        if not lost:
            break
        # --force: a killed worker may have left part of a student's autograded folder.
        pending, args = sorted(lost), [*extra_args, "--force"]
    else:
        result.ungraded = lost
    for sid in result.ungraded:
        result.regraded.pop(sid, None)

    if export:
        proc = run_nbgrader(
            course, "export", f"--to={export}", f"--assignment={assignment}", env=env
        )
        if proc.returncode != 0 or not Path(course, export).exists():
            raise SystemExit(f"nbgrader export failed:\n{proc.stdout}{proc.stderr}")
        log(f"grades exported to {export}")

    result.flags = flagged(course, assignment, db_url)
    result.refused = {flag.student: flag.reason for flag, state in result.flags if state == REFUSED}
    result.flags = [(flag, state) for flag, state in result.flags if state != REFUSED]
    _summary(result, workdir, log)
    if result.ungraded:
        result.status = 1
    elif result.flags or result.refused:
        result.status = 2
    if result.status == 0 and not keep_logs:
        shutil.rmtree(workdir)
    return result


def _summary(result, workdir, log):
    graded = len(result.students) - len(result.ungraded) - len(result.refused)
    refused = f" ({len(result.refused)} refused)" if result.refused else ""
    log(f"graded: {graded} of {len(result.students)} submissions{refused}")
    if result.regraded:
        log(f"graded again after a lost grade: {', '.join(sorted(result.regraded))}")
    if result.ungraded:
        title = f"STILL NO GRADE for {len(result.ungraded)} submission(s) (logs in {workdir}):"
        _block(log, title, [f"{sid}: {why}" for sid, why in sorted(result.ungraded.items())])
    if result.flags:
        students = sorted({flag.student for flag, _ in result.flags})
        title = f"FLAGGED for review: {len(students)} submission(s): {', '.join(students)}"
        rows = [f"{f.student}, {f.part} ({state}): {f.reason}" for f, state in result.flags]
        _block(log, title, rows)
    if result.refused:
        title = (
            f"{REFUSED}: {len(result.refused)} submission(s): {', '.join(sorted(result.refused))}"
        )
        _block(log, title, [f"{sid}: {why}" for sid, why in sorted(result.refused.items())])
    if not (result.ungraded or result.flags or result.refused):
        log("every submission has an autograded notebook and a score; none is flagged")


def _block(log, title, rows):
    """One block of the summary between rules: a title, then a line per submission."""
    log("=" * 78)
    log(title)
    for row in rows:
        log(f"  {row}")
    log("=" * 78)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("assignment")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--course-dir", default=".", help="the course root (default: .)")
    parser.add_argument("--export", help="also write the grades as CSV (nbgrader export)")
    parser.add_argument(
        "--retries", type=int, default=2, help="rounds that grade lost submissions again"
    )
    parser.add_argument(
        "--keep-logs", action="store_true", help=f"keep {WORKDIR}/ after a clean run too"
    )
    argv = sys.argv[1:] if argv is None else list(argv)
    # Everything after "--" goes to nbgrader autograde unchanged.
    extra = argv[argv.index("--") + 1 :] if "--" in argv else []
    args = parser.parse_args(argv[: argv.index("--")] if "--" in argv else argv)
    result = grade_parallel(
        args.course_dir,
        args.assignment,
        args.workers,
        extra,
        export=args.export,
        retries=args.retries,
        keep_logs=args.keep_logs,
    )
    return result.status


if __name__ == "__main__":
    sys.exit(main())
