"""What of the student's code's own words a verdict may carry.

A visible case that fails is named precisely (the judges' messages, the student's line). What
the grader itself reads of the probe for a message is checked here first: a case that ran too
long is named with the student's line from the faulthandler's stack, which the student's code
can forge too, so only a real line of a real student file is shown (``looping_line``).

A hidden case is another matter: the student's code has seen the hidden inputs before it
raised, looped, ended or answered, so everything about how it failed is its choice (an
exception's class, a line, an exit status, a value) and could spell out those inputs. A failed
hidden case's whole text is ``hidden_failure_text(case, what)``, a function of the part and
the case alone, whatever happened.
"""

import os
import re

from .oracles import reference

_FRAME = re.compile(r'File "([^"]+)", line (\d+)')


def hidden_failure_text(case, what):
    """The whole message of a failed hidden case: which test it is and what it tests.

    A function of the part (``what``, its ``Part.what``) and the case alone. The student's
    code has seen the hidden inputs before it raised, ran too long, ended the process or
    returned a wrong value, so how it failed, where and with what is all its own to choose,
    and could spell out those inputs: the grader says none of it. The judges' messages are
    for the visible cases (the notebook's test cells, and the grader's run of them).
    """
    return (
        f"[{case.part}] {what} failed the hidden test {case.about}. A hidden test says no "
        f"more than this, not even whether your code raised, ran too long or returned a wrong "
        f"value: the text of the part in the notebook says what this test checks, and the "
        f"visible tests give precise messages."
    )


def location(tree, file, line):
    """(file, line, source) if ``file`` is a file of the package in ``tree`` (not the grading
    code) and ``line`` one of its lines, the source read here; else (None, None, None).

    Read for a visible case that ran too long (the faulthandler's stack is the student's
    code's to forge too): only a real line of a real file of theirs is shown.
    """
    if not (isinstance(file, str) and isinstance(line, int) and not isinstance(line, bool)):
        return None, None, None
    rel = os.path.normpath(file)
    path = os.path.join(tree, rel)
    package = reference().grading.engine.PACKAGE
    if rel.startswith((f"{package}/grading/", "..")) or not rel.startswith(f"{package}/"):
        return None, None, None
    if os.path.islink(path) or not os.path.isfile(path):
        return None, None, None
    with open(path, encoding="utf-8", errors="replace") as f:
        lines = f.read().splitlines()
    if not 0 < line <= len(lines):
        return None, None, None
    return rel, line, lines[line - 1].strip()[:200]


def looping_line(stack, tree):
    """(file, line, source) of the innermost student frame in a faulthandler dump."""
    student_files = reference().grading.STUDENT_FILES
    # faulthandler prints the most recent call first.
    for path, line in _FRAME.findall(stack):
        rel = os.path.relpath(path, tree)
        if rel in student_files:
            return location(tree, rel, int(line))
    return None, None, None
