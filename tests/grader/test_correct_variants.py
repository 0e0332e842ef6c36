"""Every correct style earns full marks from the trusted grader (tests/variants.py).

Whole submissions in one style each (the course slides' among them) pass every part, training
included, but for robustness parts a style is known to lose (the slides' literal code keeps
every core point); single methods written another way pass the part they are graded in (the
textbook numerics lose their robustness part only). Each is graded
by ``tools.grader.trusted.grade`` with the real sandbox, hidden tests included.
"""

import pytest

from exercise_code.grading import PARTS
from tests.submissions import everything, make_submission
from tests.variants import CORE_ONLY, LOSES, STYLES, methods
from tools.course import POINTS, ROBUSTNESS_SUFFIX
from tools.grader import trusted


def failures(verdicts):
    return {part: v.text for part, v in verdicts.items() if not v.passed}


@pytest.mark.parametrize("style", sorted(STYLES))
def test_a_whole_submission_in_one_style_passes_every_part(style, tmp_path):
    verdicts = trusted.grade(make_submission(tmp_path / style, STYLES[style]))
    assert set(verdicts) == set(PARTS)
    assert set(failures(verdicts)) == LOSES.get(style, set()), failures(verdicts)
    # With the default points, every core point (robustness is what a style may lose): the
    # slides' literal code scores the total less the robustness points.
    assert all(part.endswith(ROBUSTNESS_SUFFIX) for part in failures(verdicts))
    score = sum(POINTS[part] for part, verdict in verdicts.items() if verdict.passed)
    assert score == sum(POINTS.values()) - sum(POINTS[part] for part in LOSES.get(style, ()))


@pytest.mark.parametrize(
    ("name", "part", "files"), methods(), ids=[f"{n}:{p}" for n, p, _ in methods()]
)
def test_a_method_written_another_way_passes_its_part(name, part, files, tmp_path):
    folder = make_submission(tmp_path / "s", {**everything(), **files})
    lost = trusted.grade(folder, parts=[part])
    if CORE_ONLY.get(name) == part:  # the textbook numerics: robustness lost, core kept
        assert set(failures(lost)) == {part}
    else:
        assert failures(lost) == {}
