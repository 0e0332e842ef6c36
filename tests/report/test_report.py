"""``python -m tools.report`` on a class graded by the real grader (tests/report/classroom.py).

One class for the module: students built with known mistakes, one flagged (its notebook made
the notebook's own checks pass), two refused by the intake (a link, a hostile folder name),
autograded by the real ``nbgrader autograde`` into an SQLite gradebook; then the command, run
from the course folder as an instructor runs it. Every number of the report is checked
against the gradebook itself and against what each student was built to have.
"""

import csv
import json
import time

import pytest
from nbgrader.api import Gradebook

from tests.grader.test_mistakes import MISTAKEN, ON_HIDDEN_CASES_ONLY
from tests.nbgrader.test_autograde import POINTS
from tests.report.classroom import (
    BUILT,
    FLAGGED,
    HAND_FLAGGED,
    HAND_GRADED,
    HOSTILE,
    REFUSED,
    STUDENTS,
    UNTOUCHED,
    build_class,
    run_report,
)
from tests.report.html_page import Page
from tests.submissions import LOSS
from tools.course import ASSIGNMENT, NOTEBOOK, ROBUSTNESS_SUFFIX
from tools.grader import cases

pytestmark = pytest.mark.slow

GRADED = sorted(set(STUDENTS) - {REFUSED, HOSTILE})


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    course, log = build_class(tmp_path_factory.mktemp("report-class"))
    out = tmp_path_factory.mktemp("report-out")
    start = time.perf_counter()
    proc = run_report(course, out)
    seconds = time.perf_counter() - start
    assert proc.returncode == 0, proc.stdout + proc.stderr + log
    html = (out / f"{ASSIGNMENT}-report.html").read_text(encoding="utf-8")
    with open(out / f"{ASSIGNMENT}-report.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    return {"course": course, "html": html, "rows": rows, "stdout": proc.stdout, "s": seconds}


def gradebook_scores(course):
    """{student: {part: score}} and {student: total}, read from the gradebook here."""
    scores, totals = {}, {}
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        for submission in gb.find_assignment(ASSIGNMENT).submissions:
            sid = submission.student.id
            totals[sid] = submission.score
            nb = gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, sid)
            scores[sid] = {g.name: g.score for g in nb.grades}
    return scores, totals


@pytest.fixture(scope="module")
def page(report):
    parsed = Page()
    parsed.feed(report["html"])
    parsed.close()
    return parsed


def body(page, table):
    """The rows of ``table`` below its header."""
    return page.tables[table][1:]


def test_the_page_is_whole_offline_and_has_no_script(page, report):
    assert page.errors == [] and page.stack == []
    assert report["html"].startswith("<!DOCTYPE html>")
    assert "script" not in page.tags and "iframe" not in page.tags and "link" not in page.tags
    # Every image is in the page itself; nothing else is loaded, no link leads out.
    assert page.urls and all(u.startswith("data:image/png;base64,") for u in page.urls)
    text = report["html"]
    for url in page.urls:
        text = text.replace(url, "")
    assert "http" not in text and "//" not in text and "url(" not in text


def test_the_histogram_counts_the_gradebooks_totals(page, report):
    _, totals = gradebook_scores(report["course"])
    assert sorted(totals) == GRADED  # the refused ones have no submission in it
    expected = [sum(int(t) == p for t in totals.values()) for p in range(sum(POINTS.values()) + 1)]
    got = [(int(p), int(n)) for p, n in body(page, "histogram")]
    assert got == list(enumerate(expected))
    # What the students were built to get: full marks, and nothing for the release.
    assert totals["reference"] == sum(POINTS.values())
    assert totals[UNTOUCHED] == totals[FLAGGED] == 0


def test_the_pass_rate_of_each_part_is_the_gradebooks(page, report):
    scores, _ = gradebook_scores(report["course"])
    rows = {row[0]: row[1:] for row in body(page, "parts")}
    assert list(rows) == list(POINTS)  # every part, in the notebook's order
    for part, points in POINTS.items():
        passed = sum(scores[s][part] == points for s in GRADED)
        share = f"{100 * passed / len(GRADED):.0f} %"
        assert rows[part] == [str(passed), str(len(GRADED)), share], part
    # Each student loses (the grader's points of) the part of each mistake built into their
    # files; one got a point back by hand.
    for student, mistakes in BUILT.items():
        for mistake in mistakes:
            part = _part(mistake)
            assert scores[student][part] == (1 if (part, student) == HAND_GRADED else 0)
    # Here every part is one check: the two tables agree.
    assert body(page, "checks") == body(page, "parts")


def _part(mistake):
    return MISTAKEN[mistake][0]


def _key(mistake):
    """The report's key of a built mistake: a mistake only a hidden case shows is that case."""
    if mistake in ON_HIDDEN_CASES_ONLY:
        return f"hidden:{_part(mistake)}/{ON_HIDDEN_CASES_ONLY[mistake]}"
    return mistake


def test_each_built_mistake_is_counted_for_exactly_the_students_built_with_it(page, report):
    rows = {(r[0], r[1]): r for r in body(page, "mistakes")}
    built = {}
    for student, mistakes in BUILT.items():
        for mistake in mistakes:
            built.setdefault((_part(mistake), _key(mistake)), []).append(student)
    for (part, key), students in built.items():
        row = rows[(part, key)]
        assert row[3] == str(len(students)) and row[4] == ", ".join(sorted(students)), row
    # The release's stubs: every part not attempted, by both students who handed it in.
    for part in POINTS:
        assert rows[(part, "not_implemented")][4] == f"{FLAGGED}, {UNTOUCHED}"
    # Nothing else is named, but what a mistake elsewhere costs training, and what a formula
    # mistake costs the robustness cell of its own part (it checks the formula at the edges),
    # there only for the students built with a mistake in that part.
    others = set(rows) - set(built) - {(p, "not_implemented") for p in POINTS}
    in_part = {}
    for (part, _), students in built.items():
        in_part.setdefault(part + ROBUSTNESS_SUFFIX, set()).update(students)
    for part, key in others:
        if part == "trained_accuracy":
            continue
        assert part in in_part, (part, key)
        assert set(rows[(part, key)][4].split(", ")) <= in_part[part], (part, key)
    # Every failed part of every graded student is named once, and only those.
    scores, _ = gradebook_scores(report["course"])
    failed = sum(scores[s][p] < POINTS[p] for s in GRADED for p in POINTS)
    assert sum(int(r[3]) for r in rows.values()) == failed
    # The most made first, the parts not attempted last.
    counts = [(r[1] == "not_implemented", -int(r[3])) for r in body(page, "mistakes")]
    assert counts == sorted(counts)


def test_flags_and_refusals_are_listed(page):
    assert body(page, "flagged") == [[FLAGGED, ", ".join(POINTS)], [HAND_FLAGGED, "-"]]
    refused = {row[0]: row[1:] for row in body(page, "ungradable")}
    assert refused == {
        REFUSED: ["refused", f"{LOSS} is a symbolic link, not a regular file"],
        HOSTILE: ["refused", "a folder name nbgrader cannot use"],
    }


def test_every_student_controlled_string_is_escaped(report, page):
    assert HOSTILE in [row[0] for row in body(page, "students")]  # read back whole
    assert "<b onmouseover" not in report["html"]
    assert "&lt;b onmouseover=alert(1)&gt;&amp;amp;&#x27;" in report["html"]


def test_the_csv_has_one_row_per_student_with_the_gradebooks_scores(report):
    rows = {row["student"]: row for row in report["rows"]}
    assert sorted(rows) == sorted([*GRADED, REFUSED, "'" + HOSTILE])  # no formula
    scores, totals = gradebook_scores(report["course"])
    for student in GRADED:
        row = rows[student]
        assert float(row["total"]) == totals[student]
        assert {p: float(row[p]) for p in POINTS} == scores[student]
        failed = {p for p in POINTS if scores[student][p] < POINTS[p]}
        named = dict(m.split(":", 1) for m in row["mistakes"].split(";") if m)
        assert set(named) == failed, student
        for mistake in BUILT.get(student, ()):
            assert named[_part(mistake)] == _key(mistake)
    assert rows[FLAGGED]["flagged"] == ";".join(POINTS)
    assert rows[HAND_FLAGGED]["flagged"] == "-"  # by hand in the formgrader
    part, student = HAND_GRADED
    assert float(rows[student][part]) == 1.0  # the manual grade, not the grader's 0
    assert rows[REFUSED]["refused"] and rows[REFUSED]["total"] == ""
    assert all(not rows[s]["refused"] and not rows[s]["ungraded"] for s in GRADED)


def test_the_report_shows_no_code_and_no_hidden_input(report):
    """Grades and the names of mistakes: no verdict's text (which quotes the student's line
    and their code's values), no input of a hidden case."""
    text = report["html"] + "".join(str(r) for r in report["rows"])
    for quoted in ('NotImplementedError("', "(in networks/", "(got ", "expected ["):
        assert quoted not in text
    # No line of any verdict (each is wrapped, the student's words beside the grader's).
    lines = [
        line.strip()
        for path in report["course"].glob(f"autograded/*/{ASSIGNMENT}/{NOTEBOOK}.ipynb")
        for cell in json.loads(path.read_text(encoding="utf-8"))["cells"]
        if cell["metadata"].get("nbgrader", {}).get("grade")
        for output in cell["outputs"]
        for line in output.get("text", [])
    ]
    assert len(lines) > len(GRADED) * len(POINTS)
    assert not [line for line in lines if len(line) > 30 and line in text]
    hidden = [str(v) for case in cases.hidden() for v in case.inputs.values()]
    assert hidden and not [v for v in hidden if len(v) > 6 and v in text]


def test_the_command_says_what_it_wrote_in_seconds(report):
    assert f"{len(STUDENTS)} students of {ASSIGNMENT}" in report["stdout"]
    assert report["s"] < 30, report["s"]
