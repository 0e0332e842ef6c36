"""Which named mistake a failed verdict names: a key of the grader's, never its text.

A failed verdict's text (TrustedGrades writes it into the test cell) is made of the grader's
phrase for the mistake and, for a visible case, the student's own words around it: an
exception's message, a line of their code, the values their code returned. The report keeps
none of those: only the key of the phrase found. The phrases are the grader's own,
``messages.MISTAKES`` (each printed verbatim in a verdict), and the whole texts of the failed
hidden cases (``redaction.hidden_failure_text``, one per hidden case, which name no mistake:
the case is the name). A failure that names neither is ``UNNAMED``.
"""

import functools

from tools.grader import cases, redaction
from tools.grader.oracles import reference

UNNAMED = "unnamed"
# The grader's key for a method still raising the release's NotImplementedError: nothing to
# reteach there, so the report lists it after the mistakes made.
NOT_ATTEMPTED = "not_implemented"
HIDDEN = "hidden:"  # the key of a failed hidden case: HIDDEN + the case's name


def _flat(text):
    """``text`` with every run of whitespace one space: verdicts are wrapped at 88 columns."""
    return " ".join(text.split())


@functools.cache
def phrases():
    """{key: (phrase, label)}: every phrase a failed verdict may carry, and what the report
    calls it. A hidden case's key is ``hidden:<part>/<name>`` (its label says what it tests)."""
    grading = reference().grading
    found = {key: (_flat(text), text) for key, text in grading.MISTAKES.items()}
    for case in cases.hidden():
        text = redaction.hidden_failure_text(case, grading.PARTS[case.part].what)
        found[f"{HIDDEN}{case.id}"] = (_flat(text), f"failed the hidden test {case.about}")
    return found


def named(text):
    """The key of the mistake a failed verdict's ``text`` names, or ``UNNAMED``.

    The grader writes its phrase before the student's words (``[part] what phrase (detail)``),
    so the phrase found first wins; of phrases found at the same place the longest (one phrase
    may begin another: "has the wrong sign" and "has the wrong sign: the loss is ...").
    A student's words can only ever name a mistake in their own record.
    """
    text = _flat(text)
    best = None
    for key, (phrase, _) in phrases().items():
        at = text.find(phrase)
        if at >= 0 and (best is None or (at, -len(phrase)) < best[0]):
            best = ((at, -len(phrase)), key)
    return UNNAMED if best is None else best[1]


def label(key):
    """What the report calls the mistake ``key``: the grader's phrase, or the hidden case's."""
    if key == UNNAMED:
        return "failed, with no named mistake (a wrong value or an error of its own)"
    return phrases()[key][1]
