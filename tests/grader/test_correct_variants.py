"""Every correct style earns full marks from the trusted grader (tests/variants.py).

Whole submissions in one style each (the course slides' among them) pass every part, training
included; single methods written another way pass the part they are graded in. Each is graded
by ``tools.grader.trusted.grade`` with the real sandbox, hidden tests included.
"""

import pytest

from exercise_code.grading import PARTS
from tests.submissions import everything, make_submission
from tests.variants import STYLES, methods
from tools.grader import trusted


def failures(verdicts):
    return {part: v.text for part, v in verdicts.items() if not v.passed}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_whole_submission_in_one_style_passes_every_part(style, tmp_path):
    verdicts = trusted.grade(make_submission(tmp_path / style, STYLES[style]))
    assert set(verdicts) == set(PARTS)
    assert failures(verdicts) == {}


@pytest.mark.parametrize(
    ("name", "part", "files"), methods(), ids=[f"{n}:{p}" for n, p, _ in methods()]
)
def test_a_method_written_another_way_passes_its_part(name, part, files, tmp_path):
    folder = make_submission(tmp_path / "s", {**everything(), **files})
    assert failures(trusted.grade(folder, parts=[part])) == {}
