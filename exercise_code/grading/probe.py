"""The probe process: runs the student's code on one case at a time, reports plain data.

Started by the grader (``tools/grader/trusted.py``) inside the sandbox, in a folder holding the
student's four files and the course's other files:

    python -s -E -m exercise_code.grading.probe RESULTS_FD STACKS_FD

Once started it writes the line READY to RESULTS_FD. It reads one case per line on stdin
(JSON: the case and its time limit in seconds), runs that part's probe, and writes one line
of JSON, ``{"id": ..., "outputs": ...}``, to the file descriptor RESULTS_FD before it reads
the next case. While a case runs, stand-ins ask the
grader's desk (``engine.desk_call``): a line ``{"call": ..., "args": [...]}`` on RESULTS_FD,
answered by one line ``{"result": ...}`` (or ``{"refused": ...}``) on stdin. If a case runs
too long, the faulthandler writes the Python stack to STACKS_FD just before the grader ends
this process (the grader reads the student's line from it). stdout and stderr are the
student's: the grader ignores them.

This process decides nothing: it never sees an expected value, and what it reports is data
the grader checks. The student's code may do anything here; the sandbox bounds what that is.
"""

import faulthandler
import json
import os
import sys

READY = '{"ready": true}'


def remote(results, requests):
    """engine.REMOTE for this process: ask the grader's desk, over the two pipes."""

    def call(name, args):
        results.write(json.dumps({"call": name, "args": args}) + "\n")
        results.flush()
        reply = json.loads(requests.readline() or "{}")
        if "result" not in reply:
            raise RuntimeError(f"the stand-ins refused the call {name!r}")
        return reply["result"]

    return call


def main(results_fd, stacks_fd):
    from . import PARTS, engine  # the course's own package: never a file the submission added
    from .engine import Case, error_record

    results = os.fdopen(results_fd, "w", encoding="utf-8")
    stacks = os.fdopen(stacks_fd, "w", encoding="utf-8")
    engine.REMOTE = remote(results, sys.stdin)
    # Started (numpy and this package imported; no student code yet): a case's time runs
    # from here, however long a loaded machine took to start us.
    results.write(READY + "\n")
    results.flush()
    while line := sys.stdin.readline():
        request = json.loads(line)
        case = Case.from_plain(request["case"])
        faulthandler.dump_traceback_later(max(request["seconds"] - 0.5, 0.1), file=stacks)
        try:
            outputs = PARTS[case.part].probe(case.inputs)
        except BaseException as exc:  # the probe caught the student's errors; this is ours
            outputs = {"probe": error_record(exc)}
        faulthandler.cancel_dump_traceback_later()
        results.write(json.dumps({"id": case.id, "outputs": outputs}) + "\n")
        results.flush()


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]))
