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


def defer_package_inits(student_files):
    """Make each package that holds a student's module without running its ``__init__`` yet,
    so that a module broken at import time fails only the parts that import it.

    ``exercise_code/networks/__init__.py`` imports every module of the package: imported the
    usual way, one module broken at import (a syntax error, an exception, a process that
    kills itself) would come with every part's first import, and fail them all. Made here,
    importing ``exercise_code.networks.loss`` runs loss.py alone; the ``__init__`` runs the
    first time a name of the package itself is asked for (``from exercise_code.networks
    import BCE``), and a failure in it costs only that import.
    """
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
            package = importlib.util.module_from_spec(spec)
            package.__getattr__ = _init_on_first_use(package, spec)
            sys.modules[name] = package
            if depth > 1:
                setattr(sys.modules[name.rpartition(".")[0]], parts[depth - 1], package)


def _init_on_first_use(package, spec):
    """The package's ``__getattr__`` (PEP 562) until its ``__init__`` has run once."""

    def __getattr__(name):
        if name.startswith("__"):
            raise AttributeError(name)
        del package.__getattr__  # once, whatever the __init__ does
        with contextlib.suppress(BaseException):  # a student module's sys.exit() too
            spec.loader.exec_module(package)
        return package.__dict__[name] if name in package.__dict__ else _missing(package, name)

    return __getattr__


def _missing(package, name):
    raise AttributeError(f"module {package.__name__!r} has no attribute {name!r}")


def main(results_fd, stacks_fd):
    # The course's own package, from the tree: never a file the submission added.
    from exercise_code.grading import PARTS, STUDENT_FILES, engine
    from exercise_code.grading.engine import Case, error_record

    results = os.fdopen(results_fd, "w", encoding="utf-8")
    stacks = os.fdopen(stacks_fd, "w", encoding="utf-8")
    desk = RemoteDesk(engine, results, sys.stdin)
    # Started (numpy and this package imported; no student code yet): a case's time runs
    # from here, however long a loaded machine took to start us.
    results.write(protocol.READY + "\n")
    results.flush()
    first = True
    while line := sys.stdin.readline():
        request = json.loads(line)
        case = Case.from_plain(request["case"])
        faulthandler.dump_traceback_later(max(request["seconds"] - 0.5, 0.1), file=stacks)
        if first:
            defer_package_inits(STUDENT_FILES)
            first = False
        try:
            outputs = protocol.to_plain(PARTS[case.part].outputs(case.inputs, desk))
        except BaseException as exc:  # the probe caught the student's errors; this is ours
            outputs = {"probe": error_record(exc)}
        faulthandler.cancel_dump_traceback_later()
        results.write(json.dumps({"id": case.id, "outputs": outputs}) + "\n")
        results.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
