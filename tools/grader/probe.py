"""The probe process: runs the student's code on one case at a time, reports plain data.

Never imported by the grader itself: ``tree.build_tree`` copies this file and ``protocol.py``
into the probe's tree as the package ``_grader`` (a name no file of a submission can take:
only the student's four files are taken from it), and the grader (``probe_process.Probe``)
starts it there, inside the sandbox, in a folder holding the student's four files and the
course's other files:

    python -s -E -m _grader.probe RESULTS_FD STACKS_FD

Once started it writes the line READY to RESULTS_FD. It reads one case per line on stdin
(JSON: the case and its time limit in seconds), runs that part's probe, and writes one line
of JSON, ``{"id": ..., "outputs": ...}``, to the file descriptor RESULTS_FD before it reads
the next case. While a case runs, the stand-ins of a part with a desk ask the grader's desk
(``RemoteDesk``): a line ``{"call": ..., "args": [...]}`` on RESULTS_FD, answered by one line
``{"result": ...}`` (or ``{"refused": ...}``) on stdin. If a case runs too long, the
faulthandler writes the Python stack to STACKS_FD just before the grader ends this process
(the grader reads the student's line from it). stdout and stderr are the student's: the
grader ignores them. See ``protocol`` for the lines.

This process decides nothing: it never sees an expected value, and what it reports is data
the grader checks. The student's code may do anything here; the sandbox bounds what that is.
"""

import contextlib
import faulthandler
import importlib
import importlib.machinery
import importlib.util
import json
import os
import sys

from . import protocol


class RemoteDesk:
    """The grader's desk, as the stand-ins of a probe see it: ``call`` asks it over the pipes.

    What the grader's desk hands out and the log it keeps never exist in this process.
    """

    def __init__(self, engine, results, requests):
        self.engine, self.results, self.requests = engine, results, requests

    def call(self, name, args):
        message = {"call": name, "args": [self._plain(a) for a in args]}
        self.results.write(json.dumps(message) + "\n")
        self.results.flush()
        reply = json.loads(self.requests.readline() or "{}")
        if "result" not in reply:
            raise RuntimeError(f"the stand-ins refused the call {name!r}")
        return protocol.from_plain(reply["result"])

    def _plain(self, value):
        return protocol.to_plain(self.engine.plain(value, depth=1))


def import_each(student_files):
    """Import each of the student's modules on its own (``main``: a part's own file, before
    the part's first case), so that a module that cannot be imported fails only the parts
    that import it.

    The package ``exercise_code.networks`` imports every module of it in its ``__init__``:
    imported the usual way, one module broken at import time (a syntax error in
    classifier.py) would keep every sibling from being imported, and so fail every part.
    Here each package on the way is made first without running its ``__init__``, each
    module is imported (what fails, the parts that import it report), and the packages'
    ``__init__`` run last, what fails there ignored too. Runs within the case's time.
    """
    packages = []
    for rel in student_files:
        parts = rel.removesuffix(".py").split("/")
        for depth in range(1, len(parts)):
            name = ".".join(parts[:depth])
            if name in sys.modules:
                continue
            parent = sys.modules[name.rpartition(".")[0]].__path__ if depth > 1 else None
            spec = importlib.machinery.PathFinder.find_spec(name, parent)
            if spec is None or spec.submodule_search_locations is None:
                break
            sys.modules[name] = importlib.util.module_from_spec(spec)
            packages.append((name, spec))
    for rel in student_files:
        with contextlib.suppress(BaseException):
            importlib.import_module(rel.removesuffix(".py").replace("/", "."))
    for name, spec in packages:
        with contextlib.suppress(BaseException):
            spec.loader.exec_module(sys.modules[name])


def main(results_fd, stacks_fd):
    # The course's own package, from the tree: never a file the submission added.
    from exercise_code.grading import PARTS, engine
    from exercise_code.grading.engine import Case, error_record

    results = os.fdopen(results_fd, "w", encoding="utf-8")
    stacks = os.fdopen(stacks_fd, "w", encoding="utf-8")
    desk = RemoteDesk(engine, results, sys.stdin)
    # Started (numpy and this package imported; no student code yet): a case's time runs
    # from here, however long a loaded machine took to start us.
    results.write(protocol.READY + "\n")
    results.flush()
    imported = set()
    while line := sys.stdin.readline():
        request = json.loads(line)
        case = Case.from_plain(request["case"])
        faulthandler.dump_traceback_later(max(request["seconds"] - 0.5, 0.1), file=stacks)
        # The part's own student file, before its first case: a module that ends the process
        # when imported (solver.py) costs only the parts that import it, not every part.
        file = PARTS[case.part].file
        if file not in imported:
            import_each([file])
            imported.add(file)
        try:
            outputs = protocol.to_plain(PARTS[case.part].outputs(case.inputs, desk))
        except BaseException as exc:  # the probe caught the student's errors; this is ours
            outputs = {"probe": error_record(exc)}
        faulthandler.cancel_dump_traceback_later()
        results.write(json.dumps({"id": case.id, "outputs": outputs}) + "\n")
        results.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
