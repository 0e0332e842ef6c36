"""What an instructor and a student see in a real JupyterLab, in a real browser.

``tools.tour.formgrader`` runs the whole assignment once through nbgrader's formgrader and
Assignments tab in Debian's Chromium (one server, one autograde per submission) and returns
what was on the screen. Two students: student1 works in the Assignments tab and forgets the
1/N of the BCE gradient (two parts fail, with long messages); student2's ``loss.py`` patches
the grading checks, so that the notebook's own tests print "passed", and submits from the
command line. The assertions say what a person must see; each reads one screen, so a change
of what the formgrader shows (flags shown more clearly) is one more line here.

``make screenshots`` runs this test with ``--basetemp=_build/tour`` and copies the
screenshots of ``_build/tour/tour/screenshots`` into ``book/images/formgrader``.
"""

import json
import re
import subprocess
import sys

import pytest

from tests.nbgrader.test_autograde import GRADIENT, POINTS, kernels_running_in
from tests.submissions import LOSS, changed, everything, patches_checks
from tools.course import ASSIGNMENT, NOTEBOOK
from tools.grader import flags
from tools.nbgrader_env import nbgrader_env
from tools.release.generate import verify_release
from tools.tour import formgrader as formgrader_tour

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROSTER = {"student1": ("Ada", "Lovelace"), "student2": ("Alan", "Turing")}
# student1: everything right but the 1/N of BCE.backward (which also spoils the training).
STUDENT1_LOST = ("bce_backward", "bce_backward_robust", "trained_accuracy")
STUDENT1_WORK = {
    **everything(),
    LOSS: changed(LOSS, GRADIENT, GRADIENT.replace(" / len(y_truth)", "")),
}
# student2: the release, but loss.py makes every check of the notebook print "passed".
STUDENT2_WORK = patches_checks()
TOTAL = sum(POINTS.values())
# Points are whole numbers and a part scores all or nothing: scores are exact sums.
SCORES = {
    "student1": TOTAL - sum(POINTS[p] for p in STUDENT1_LOST),
    "student2": 0,
}
FLAGGED = "student2"  # patches the checks: flagged, every part needs manual grading
# The one request that leaves the machine, refused: the formgrader's view of a submission
# (nbconvert's template) asks for MathJax 2 from a CDN, so offline its formulas stay TeX.
KNOWN_REMOTE = ("https://cdnjs.cloudflare.com/ajax/libs/mathjax/",)
KNOWN_PAGE_ERRORS = ("MathJax is not defined",)


@pytest.fixture(scope="module")
def tour(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tour", numbered=False)
    seen = formgrader_tour.run(
        folder,
        folder / "screenshots",
        work=STUDENT1_WORK,
        others={"student2": STUDENT2_WORK},
        roster=ROSTER,
    )
    seen["folder"] = folder
    return seen


def name(student):
    first, last = ROSTER[student]
    return f"{last}, {first}"


def rows_by(rows, column):
    """{the text of ``column``: row} for the rows of a formgrader table."""
    return {row[column]["text"]: row for row in rows}


def one_line(text):
    return " ".join(text.split())


def test_every_screenshot_is_taken(tour):
    assert set(tour["screenshots"]) == set(formgrader_tour.SCREENSHOTS)


def test_every_action_of_the_formgrader_succeeds(tour):
    titles = {d["action"]: d["title"] for d in tour["dialogs"]}
    assert titles == {
        "generate": "Success",
        "release": "Success",
        "collect": "Success",
        "autograde student1": "Success",
        "autograde student2": "Success",
        "generate feedback": "Success",
        "release feedback": "Success",
    }


def test_the_release_made_by_the_generate_button_holds_no_solution(tour):
    course = tour["folder"] / "home" / "course"
    assert verify_release(str(course / "release" / ASSIGNMENT), str(course)) == []


def test_manage_assignments_shows_the_released_assignment(tour):
    [row] = tour["manage_assignments"]
    assert row["Name"]["text"] == ASSIGNMENT
    assert row["Status"]["text"] == "released"


def test_the_student_fetches_validates_and_submits(tour):
    released = tour["student_released"]["released"]
    assert [(a["name"], a["status"]) for a in released] == [(ASSIGNMENT, "Fetch")]
    fetched = tour["student_fetched"]["fetched"]
    assert [a["name"] for a in fetched] == [ASSIGNMENT, NOTEBOOK]
    assert fetched[1]["status"] == "Validate"
    submitted = tour["student_submitted"]["submitted"]
    assert submitted[0]["name"] == ASSIGNMENT and submitted[0]["status"] == "Fetch Feedback"


def test_manage_submissions_shows_each_score(tour):
    rows = rows_by(tour["manage_submissions"], "Student ID")
    assert set(rows) == set(SCORES)
    for student, score in SCORES.items():
        assert rows[student]["Score"]["text"] == f"{score} / {TOTAL}"
        # A flagged submission is not "graded": a person must look (tools/grader/flags.py).
        status = "needs manual grading" if student == FLAGGED else "graded"
        assert rows[student]["Status"]["text"] == status
        assert rows[student]["Student Name"]["text"] == name(student)


def test_manual_grading_flags_the_submission_that_patched_the_checks(tour):
    rows = rows_by(tour["manual_grading"], "Submission ID")
    flagged, honest = rows[name("student2")], rows[name("student1")]
    assert flagged["Flagged?"]["icons"] == ["flag"]
    assert honest["Flagged?"]["icons"] == []
    assert flagged["Overall Score"]["text"] == f"0 / {TOTAL}"
    # The grader decides every part of an honest submission; the disputed parts of a flagged
    # one wait for a person.
    assert flagged["Needs Manual Grade?"]["icons"] == ["ok"]
    assert (
        honest["Needs Manual Grade?"]["icons"] == [] and not honest["Needs Manual Grade?"]["text"]
    )


def test_the_flag_s_reason_is_in_the_autograde_dialog(tour):
    """The log of the autograde dialog (whose title says Success) names the flag and why."""
    dialog = tour["autograde"][FLAGGED]
    assert f"{formgrader_tour.FLAG_WARNING}: {FLAGGED}, part bce_forward" in dialog["text"]
    unprefixed = re.sub(r"^\[WARNING\] *", "", dialog["text"], flags=re.M)
    assert flags.reason("bce_forward") in one_line(unprefixed)
    assert formgrader_tour.FLAG_WARNING not in tour["autograde"]["student1"]["text"]


def test_the_flag_s_reason_is_on_the_submission_s_grading_page(tour):
    """Where the instructor grades it: each disputed cell ends with the reason."""
    mentions = tour["flag_mentions"][name(FLAGGED)]
    for part in POINTS:
        assert any(f"{flags.MARK}: {flags.reason(part)}" in one_line(m) for m in mentions), mentions


def test_the_flagged_submission_s_cells_show_the_trusted_verdicts(tour):
    """The notebook's own tests printed "passed"; each graded cell shows the grader's verdict
    instead, and the score it gave."""
    cells = tour["graded_cells"][name("student2")]
    assert [c["grade_id"] for c in cells] == list(POINTS)
    for cell in cells:
        part = cell["grade_id"]
        assert cell["output"].startswith(f"[{part}]"), cell["output"]
        assert "passed" not in cell["output"]
        assert f"{flags.MARK}: {flags.reason(part)}" in one_line(cell["output"])
        assert (cell["auto_score"], cell["points"]) == (0, POINTS[part])
    assert "not implemented yet" in one_line(cells[0]["output"])


def failure_messages(folder, parts):
    """{part: the whole message of its failure} from the student's code in ``folder``, as the
    notebook's check raises it (a separate process, importing the student's package)."""
    script = (
        "import json, sys\n"
        "from exercise_code import grading\n"
        "found = {}\n"
        "for part in sys.argv[1:]:\n"
        "    try:\n"
        "        grading.check(part)\n"
        "    except AssertionError as failure:\n"
        "        found[part] = str(failure)\n"
        "print(json.dumps(found))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script, *parts],
        cwd=folder,
        env=nbgrader_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.splitlines()[-1])


def test_the_validate_dialog_shows_every_long_message_whole(tour):
    """Both failing parts are in the dialog with their whole message, and no line is cut: at
    the screenshot's width and in a 1024-px window, every line fits its box (the longest
    line's width is the box's) and the dialog fits the window."""
    validate = tour["validate"]
    folder = tour["folder"] / "home" / "student" / ASSIGNMENT
    messages = failure_messages(folder, STUDENT1_LOST)
    assert set(messages) == set(STUDENT1_LOST)
    assert validate["text"].count("The following cell failed:") == len(STUDENT1_LOST)
    for part, message in messages.items():
        assert len(message) > 150, (part, message)  # a long message, on several lines
        assert one_line(message) in one_line(validate["text"]), part
    assert "did you divide by N?" in messages["bce_backward"]
    for width, layout in validate["layout"].items():
        cut = [
            p["text"][:60]
            for p in layout["pres"]
            if p["scroll_width"] > p["client_width"] or p["right"] > layout["window_width"]
        ]
        assert cut == [], f"lines cut in a {width}-px window: {cut}"
        box = layout["dialog"]
        assert box["left"] >= 0 and box["right"] <= layout["window_width"], (width, box)
        assert layout["body"]["scroll_width"] <= layout["body"]["client_width"], width
    assert formgrader_tour.NARROW_WIDTH in validate["layout"]


def test_the_student_fetches_the_feedback(tour):
    [assignment, submission] = tour["student_feedback"]["submitted"]
    assert assignment["name"] == ASSIGNMENT
    assert submission["name"].endswith("(view feedback)")
    folder = tour["folder"] / "home" / "student" / ASSIGNMENT / "feedback"
    [page] = folder.glob(f"*/{NOTEBOOK}.html")
    assert "did you divide by N?" in one_line(page.read_text(encoding="utf-8"))


def test_nothing_leaves_the_machine_but_the_formgraders_mathjax(tour):
    unknown = [u for u in tour["refused_requests"] if not u.startswith(KNOWN_REMOTE)]
    assert unknown == []
    errors = [e for e in tour["errors"] if not e.startswith(KNOWN_PAGE_ERRORS)]
    assert errors == []


def test_no_process_is_left_running(tour):
    assert tour["left_running"] == []
    assert not kernels_running_in(tour["folder"])
