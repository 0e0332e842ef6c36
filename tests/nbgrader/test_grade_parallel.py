"""tools.grader.grade_parallel on a PostgreSQL gradebook, with parts of the batch broken on purpose.

One course, its gradebook a database of the suite's own PostgreSQL server; eight submissions
graded by two workers writing to it at once. While they run (tests/saboteur.py):

- the first trusted-grading probe of one worker is killed before it is ready: that student's
  grading fails with ``ProbeNotStarted``, a ``GraderError`` (the grading machine's fault), and
  is graded again;
- that worker is then killed (SIGKILL) mid-batch: its remaining students are graded again;
- the sandboxed kernel of a student of the other worker is killed mid-notebook: that grade is
  not lost at all (the grade comes from the trusted grader, not the kernel; the notebook is
  run here, ``--NotebookRun.execute=True``, for there to be a kernel to kill);
- one submission is not valid notebook JSON: it is graded on its code all the same;
- one submission's student file is a link to the instructor's solution: the intake refuses
  it, it is named, never graded again, and the run ends with status 2 (a person must look).
"""

import json
import os

import pytest
from nbgrader.api import Gradebook

from tests import processes
from tests.nbgrader.test_autograde import POINTS, kernels_running_in, new_course, solved, submit
from tests.saboteur import Saboteur
from tests.submissions import LOSS, everything
from tools.course import ASSIGNMENT, NOTEBOOK
from tools.grader import gradebook
from tools.grader.grade_parallel import grade_parallel, shard
from tools.grader.tree import PROBE_MODULE

pytestmark = pytest.mark.slow

STUDENTS = ["bce_forward_only", "invalid_json", "kernel_killed", "linked", "s1", "s2", "s3", "s4"]
EXPECTED = {
    **{s: POINTS for s in STUDENTS if s not in ("bce_forward_only", "linked")},
    "bce_forward_only": {
        **dict.fromkeys(POINTS, 0),
        "bce_forward": POINTS["bce_forward"],
        "bce_forward_robust": POINTS["bce_forward_robust"],
    },
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory, postgres):
    url = postgres.create_database()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(gradebook.VARIABLE, url)
        course = new_course(tmp_path_factory.mktemp("parallel-pg"))
        for student in STUDENTS:
            if student != "bce_forward_only":
                submit(course, student, everything())
        submit(course, "bce_forward_only", {LOSS: solved(LOSS, {"BCE.forward"})})
        notebook = course / "submitted" / "invalid_json" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
        notebook.write_text("{ this is not a notebook", encoding="utf-8")
        linked = course / "submitted" / "linked" / ASSIGNMENT / LOSS
        linked.unlink()
        linked.symlink_to(course / "exercise_code" / "networks" / "loss.py")
        # The worker to break grades the shard without kernel_killed.
        shards = shard(STUDENTS, 2)
        assert "kernel_killed" in shards[0] and "invalid_json" in shards[1]
        saboteur = Saboteur(
            course, kill_worker="kernel_killed", kill_kernel="kernel_killed", stop_probe=True
        )
        saboteur.start()
        lines = []
        try:
            result = grade_parallel(
                course,
                ASSIGNMENT,
                workers=2,
                extra_args=("--NotebookRun.execute=True",),
                log=lines.append,
            )
        finally:
            saboteur.stop()
        yield course, url, result, saboteur.done, "\n".join(lines)


def scores(url, student):
    with Gradebook(url) as gb:
        return {part: gb.find_grade(part, NOTEBOOK, ASSIGNMENT, student).score for part in POINTS}


def test_every_sabotage_happened(graded):
    _, _, _, done, log = graded
    assert set(done) == {"probe", "kernel", "worker"}, log


def test_every_gradable_submission_gets_its_exact_grade(graded):
    _, url, _, _, log = graded
    for student, expected in EXPECTED.items():
        assert scores(url, student) == expected, f"{student}\n{log}"


def test_a_probe_that_could_not_start_is_graded_again(graded):
    _, _, result, _, _ = graded
    # ProbeNotStarted is a GraderError: the grading machine's failure, never the student's.
    failed = [s for s, why in result.regraded.items() if "probe_process.ProbeNotStarted" in why]
    assert len(failed) == 1, result.regraded
    assert "the sandboxed probe did not start" in result.regraded[failed[0]]


def test_the_students_of_a_killed_worker_are_graded_again(graded):
    _, _, result, _, _ = graded
    killed = [s for s, why in result.regraded.items() if "killed by signal 9" in why]
    assert killed, result.regraded
    assert set(killed) <= set(shard(STUDENTS, 2)[1])


def test_a_killed_kernel_loses_no_grade(graded):
    """Not graded again: the notebook says where it stopped, the grade is whole."""
    course, url, result, _, _ = graded
    assert "kernel_killed" not in result.regraded
    assert scores(url, "kernel_killed") == POINTS
    notebook = course / "autograded" / "kernel_killed" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    assert "the kernel died" in notebook.read_text(encoding="utf-8")


def test_a_refused_submission_is_named_never_regraded_and_the_run_needs_a_person(graded):
    _, _, result, _, log = graded
    assert result.status == 2
    assert result.ungraded == {}
    assert "linked" not in result.regraded
    assert result.refused == {"linked": f"{LOSS} is a symbolic link, not a regular file"}
    assert "REFUSED, not graded: 1 submission(s): linked" in log


def test_one_gradebook_and_no_leftover(graded):
    """PostgreSQL: the workers wrote to the one gradebook (no SQLite file, no copy), and no
    kernel or probe is left running."""
    course, _, _, _, _ = graded
    assert not list(course.rglob("*.db"))
    assert not kernels_running_in(course)
    ours = os.getpid()
    probes = [
        p
        for p in processes.every()
        if PROBE_MODULE in p.argv and ours in processes.ancestors(p.pid)
    ]
    assert not probes


def test_the_run_is_summarised(graded):
    _, _, result, _, log = graded
    assert f"graded: {len(STUDENTS) - 1} of {len(STUDENTS)} submissions (1 refused)" in log
    assert "graded again after a lost grade: " + ", ".join(sorted(result.regraded)) in log
    assert json.dumps(sorted(result.regraded))  # names only, no objects
    assert os.path.basename(str(graded[0])) not in result.regraded
