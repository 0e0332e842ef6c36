"""The report's arithmetic and page for a part graded by several checks (as a fairer grading
may split a part into a core and a robustness check): real ``collect`` records, no grading."""

from tests.report.html_page import Page
from tools.report.collect import Check, ClassReport, Record, part_of
from tools.report.render import page

PARTS = ["bce_forward", "bce_backward", "sigmoid"]
CHECKS = [
    Check("bce_forward", "bce_forward", 1.0),
    Check("bce_forward_robust", "bce_forward", 1.0),
    Check("sigmoid", "sigmoid", 2.0),
]


def record(student, forward, robust, sigmoid, **kw):
    scores = {"bce_forward": forward, "bce_forward_robust": robust, "sigmoid": sigmoid}
    total = sum(scores.values()) if "refused" not in kw else None
    return Record(student, total, scores if total is not None else {}, **kw)


def make():
    return ClassReport(
        "ex04",
        CHECKS,
        [
            record("a", 1.0, 1.0, 2.0),
            record("b", 1.0, 0.0, 2.0, mistakes={"bce_forward_robust": "bce_forward_edge"}),
            record("c", 0.0, 0.0, 0.5, mistakes={"bce_forward": "bce_forward_sum"}),
            record("d", None, None, None, refused="a folder name nbgrader cannot use"),
        ],
    )


def test_a_check_belongs_to_the_longest_part_it_begins_with():
    assert part_of("bce_forward_robust", PARTS) == "bce_forward"
    assert part_of("bce_backward", PARTS) == "bce_backward"
    assert part_of("bce", PARTS) == "bce"  # no part: its own
    assert part_of("sigmoid_x", ["sigmoid", "sigmoid_x"]) == "sigmoid_x"


def test_a_part_passes_when_every_check_of_it_does():
    report = make()
    assert report.pass_rates(report.parts) == {"bce_forward": (1, 3), "sigmoid": (2, 3)}
    assert report.pass_rates() == {
        "bce_forward": (2, 3),
        "bce_forward_robust": (1, 3),
        "sigmoid": (2, 3),
    }
    # Whole points per bin; the refused student is in no bin.
    assert report.histogram() == [(0, 1), (1, 0), (2, 0), (3, 1), (4, 1)]


def test_the_page_shows_each_check_when_a_part_has_several():
    parsed = Page()
    parsed.feed(page(make()))
    assert parsed.errors == [] and parsed.stack == []
    assert [row[0] for row in parsed.tables["checks"][1:]] == [c.name for c in CHECKS]
    assert [row[0] for row in parsed.tables["parts"][1:]] == ["bce_forward", "sigmoid"]
    # A plot for the scores, the parts, the checks and the mistakes.
    assert len(parsed.urls) == 4


def test_a_class_with_no_grade_yet_gets_a_page_without_plots():
    parsed = Page()
    parsed.feed(page(ClassReport("ex04", CHECKS, [])))
    assert parsed.errors == [] and parsed.urls == []
    assert parsed.tables["histogram"][1:] == [[str(p), "0"] for p in range(5)]
