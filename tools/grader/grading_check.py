"""After grading: which submitted students lack a grade, and why (from nbgrader's log).

A student is graded when the gradebook holds their submission with a score for every graded
cell, and ``autograded/<student>/<assignment>/`` holds every notebook of the assignment with
an output in every graded cell (TrustedGrades writes the verdict there; nbgrader writes the
notebook once before it runs it, and a worker killed meanwhile leaves that one behind). A
worker killed mid-batch leaves its remaining students with neither; a kernel or probe that
fails for reasons of the grading machine (``tools.grader.probe_process.GraderError``) and any other
error nbgrader reports for a submission leave no autograded notebook and no score.
"""

import json
import re
from pathlib import Path

_ERROR = re.compile(r"There was an error processing assignment: (\S+)")
_LOG_LINE = re.compile(r"\[\w+ \| (DEBUG|INFO|WARNING|ERROR|CRITICAL)\]")


def has_assignment(db_url: str, assignment: str) -> bool:
    """True if the gradebook knows ``assignment`` (``nbgrader generate_assignment`` ran)."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            gb.find_assignment(assignment)
        except MissingEntry:
            return False
    return True


def missing(course: Path, db_url: str, assignment: str, students: list[str]) -> dict[str, str]:
    """{student: what is missing} for every student of ``students`` without a whole grade (but
    those the intake refused: they are not to be graded, and tools.grader.flags lists them)."""
    from nbgrader.api import Gradebook, MissingEntry

    from tools.grader.intake import refusals

    refused = refusals(str(course / "intake"), assignment)
    problems = {}
    with Gradebook(db_url) as gb:
        notebooks = [nb.name for nb in gb.find_assignment(assignment).notebooks]
        for sid in students:
            if sid in refused:
                continue
            folder = course / "autograded" / sid / assignment
            absent = [n for n in notebooks if not has_verdicts(folder / f"{n}.ipynb")]
            try:
                submission = gb.find_submission(assignment, sid)
            except MissingEntry:
                problems[sid] = "not in the gradebook"
                continue
            unscored = [
                g.name
                for nb in submission.notebooks
                for g in nb.grades
                if g.auto_score is None and g.manual_score is None
            ]
            if absent:
                problems[sid] = f"no graded notebook ({', '.join(absent)})"
            elif unscored:
                problems[sid] = f"no score for {', '.join(unscored)}"
    return problems


def has_verdicts(path):
    """True if ``path`` is a notebook whose every graded cell has an output."""
    try:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    except (OSError, ValueError, KeyError, TypeError):
        return False
    graded = [c for c in cells if c.get("metadata", {}).get("nbgrader", {}).get("grade")]
    return all(c.get("outputs") for c in graded)


def errors_in_log(text: str) -> dict[str, str]:
    """{student: the last line of the error} for each submission nbgrader's log reports an
    error for (``There was an error processing assignment: <submitted folder>``)."""
    found = {}
    lines = text.splitlines()
    for i, line in enumerate(lines):
        match = _ERROR.search(line)
        if not match:
            continue
        student = Path(match.group(1)).parent.name
        # The traceback follows, up to the next log line; its last line names the error.
        tail = []
        for following in lines[i + 1 :]:
            if _LOG_LINE.search(following) and "Traceback" not in following:
                break
            if following.strip():
                tail.append(following.strip())
        found[student] = tail[-1] if tail else "an error (see the worker's log)"
    return found
