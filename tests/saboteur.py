"""Break parts of a running grading batch on purpose, from the outside, as real failures do.

A ``Saboteur`` thread watches the processes of one course (through /proc) while
``tools.grader.grade_parallel`` grades it, and performs the sabotages it was given, each once:

- ``kill_worker``: SIGKILL the first-round ``nbgrader autograde`` worker whose
  ``student_id_exclude`` names a given student (so: a worker of the other shard), as soon as
  it has graded one student completely (its remaining students lose their grade);
- ``kill_kernel``: SIGKILL the sandboxed kernel running a given student's notebook once it
  is running the notebook's cells (numpy, which the first cell imports and the kernel itself
  does not, is loaded), plus ``kernel_seconds`` (the grade does not come from the kernel);
- ``stop_probe``: kill the first trusted-grading probe of that same worker *before* it said it
  was ready: it is frozen (SIGSTOP) and killed only if it has written nothing yet, so the
  grader sees a probe that could not start (``GraderError``, the grading machine's failure),
  never a student's probe that died mid-case.
"""

import contextlib
import os
import signal
import sys
import threading
import time
from pathlib import Path

from tests import processes
from tools.course import ASSIGNMENT
from tools.grader.grading_check import has_verdicts
from tools.grader.tree import PROBE_MODULE

PYTHON = os.path.realpath(sys.executable)


class Saboteur(threading.Thread):
    def __init__(self, course, *, kill_worker=None, kill_kernel=None, stop_probe=False):
        super().__init__(daemon=True)
        self.course = str(Path(course).resolve())
        self.worker_of_other_shard = kill_worker  # a student the worker to kill excludes
        self.kernel_student = kill_kernel
        self.stop_probe = stop_probe
        self.kernel_seconds = 0.3
        self.done = {}  # sabotage: what was hit
        self._halt = threading.Event()
        self._kernel_seen = None
        self._probe_killed_at = 0.0

    def wanted(self):
        wanted = set()
        if self.worker_of_other_shard:
            wanted.add("worker")
        if self.kernel_student:
            wanted.add("kernel")
        if self.stop_probe:
            wanted.add("probe")
        return wanted

    def stop(self):
        self._halt.set()
        self.join(timeout=10)

    def run(self):
        while not self._halt.is_set() and not self.wanted() <= set(self.done):
            # it ended (or its notebook was rewritten) meanwhile: look again
            with contextlib.suppress(ProcessLookupError, FileNotFoundError):
                self._step(processes.every())
            time.sleep(0.01)

    def _target_worker(self, seen):
        for p in seen:
            if (
                p.exe == PYTHON
                and "autograde" in p.argv
                and p.cwd == self.course
                and any(
                    a.startswith("--CourseDirectory.student_id_exclude=")
                    and self.worker_of_other_shard in a.split("=", 1)[1].split(",")
                    for a in p.argv
                )
            ):
                return p
        return None

    def _step(self, seen):
        worker = self._target_worker(seen) if self.worker_of_other_shard else None
        if self.stop_probe and "probe" not in self.done and worker is not None:
            for p in seen:
                if (
                    p.exe == PYTHON
                    and PROBE_MODULE in p.argv
                    and worker.pid in processes.ancestors(p.pid)
                ):
                    os.kill(p.pid, signal.SIGSTOP)
                    if processes.bytes_written(p.pid) == 0:  # not ready yet
                        os.kill(p.pid, signal.SIGKILL)
                        self.done["probe"] = p.pid
                        self._probe_killed_at = time.time()
                    else:
                        os.kill(p.pid, signal.SIGCONT)
        if self.kernel_student and "kernel" not in self.done:
            folder = f"/{self.kernel_student}/{ASSIGNMENT}"
            kernel = next(
                (
                    p
                    for p in seen
                    if p.exe == PYTHON  # not the bwrap around it, whose command is the same
                    and "ipykernel_launcher" in p.argv
                    and p.cwd.endswith(folder)
                ),
                None,
            )
            if kernel is not None:
                if self._kernel_seen is None and processes.has_loaded(kernel.pid, "numpy"):
                    self._kernel_seen = time.monotonic()
                elif (
                    self._kernel_seen is not None
                    and time.monotonic() - self._kernel_seen >= self.kernel_seconds
                ):
                    os.kill(kernel.pid, signal.SIGKILL)
                    self.done["kernel"] = kernel.pid
        if (
            worker is not None
            and "worker" not in self.done
            and ("probe" in self.done or not self.stop_probe)
            and self._has_graded_one(worker)
        ):
            os.kill(worker.pid, signal.SIGKILL)
            self.done["worker"] = worker.pid

    def _has_graded_one(self, worker):
        """True once the worker wrote a graded notebook (verdicts in) of one of its students,
        after the probe was stopped if one was: the worker has then logged the failure of the
        student whose probe it was (killed sooner, its log would not say why that one has no
        grade)."""
        excluded = next(
            a.split("=", 1)[1].split(",")
            for a in worker.argv
            if a.startswith("--CourseDirectory.student_id_exclude=")
        )
        autograded = Path(self.course, "autograded")
        return any(
            student.name not in excluded
            and any(
                has_verdicts(nb) and nb.stat().st_mtime > self._probe_killed_at
                for nb in (student / ASSIGNMENT).glob("*.ipynb")
            )
            for student in (autograded.iterdir() if autograded.is_dir() else [])
        )
