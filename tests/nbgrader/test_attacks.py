"""Attacks (tests/attacks.py) and correct styles (tests/variants.py) through real nbgrader.

The notebook is run here (``--NotebookRun.execute=True``): its kernel is the widest surface
(outputs, flags); the default, not run, is attacked in tests/nbgrader/test_path.py. One
course, ONE `nbgrader autograde` (with the hostile course's short cell timeout) and one
`generate_feedback` for the whole batch: a representative subset of the attacks, several
combined in one submission where they touch different files, and two correct styles in the
same batch. Each attack scores no more than its honest base; no feedback holds a solution
line, a hidden value or active content; the course, the other submissions and the gradebook
are unharmed, and no process is left. tests/grader/test_attacks.py runs every attack, fast.
"""

import json
import os
import re
import time

import pytest
from nbgrader.api import Gradebook

from tests import processes
from tests.attacks import ATTACKS, BASES, FORKS, edited_notebook, leaks, module
from tests.grader.test_attacks import snapshot
from tests.nbgrader.test_autograde import NOTEBOOK, POINTS, new_course, scores, submit
from tests.submissions import CLASSIFIER, RELEASE
from tests.variants import STYLES
from tools.course import ASSIGNMENT
from tools.grader import intake
from tools.grader.preprocessors import SAFE_DATA
from tools.nbgrader_env import run_nbgrader

pytestmark = pytest.mark.slow

# student: (attacks combined, honest base)
BATCH = {
    "links": (["links_to_the_instructors_solution"], "stubs"),
    "shadows": (["extra_files_and_shadows"], "bce_forward"),
    "reads": (["reads_the_instructors_folders", "writes_outside_its_scratch"], "stubs"),
    "patches": (
        ["patched_judges_engine_numpy_builtins", "sys_modules_through_numpy_and_strings"],
        "bce_forward",
    ),
    "frames": (["frames_for_expected_values", "solver_fills_the_call_log"], "stubs"),
    "rewrites": (["rewrites_files_on_disk", "prints_passed_and_forges_replies"], "stubs"),
    "exits": (["exits_every_way"], "stubs"),
    "forks": (["exhausts_memory"], "bce_forward"),  # and FORKS, below
    "leaks": (["leak_stashed_hidden_inputs_later"], "reference"),
    "hardcoded": (["training_without_training", "degenerate_probabilities"], "stubs"),
    "active": (["active_outputs_and_flood"], "bce_forward"),  # and an edited notebook
}
CORRECT = ("slides", "keras")
HONEST = {
    "stubs": dict.fromkeys(POINTS, 0),
    "bce_forward": {
        **dict.fromkeys(POINTS, 0),
        "bce_forward": POINTS["bce_forward"],
        "bce_forward_robust": POINTS["bce_forward_robust"],
    },
    "reference": POINTS,
}


def place(course, student, names, base):
    """Submit the attacks ``names`` together, over ``base``, as ``student``."""
    dest = course / "submitted" / student / ASSIGNMENT
    files, extra, links = dict(BASES[base]), {}, {}
    for name in names:
        attack = ATTACKS[name]
        files.update(attack.files_for(course, dest))
        extra.update(attack.extra_for(course, dest))
        links.update(attack.links_for(course))
    if student == "forks":
        files[CLASSIFIER] = module(files[CLASSIFIER], FORKS.replace("{course}", str(course)))
    notebook = None
    if student == "active":
        notebook = edited_notebook((RELEASE / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
    submit(course, student, files, notebook=notebook, extra=extra)
    for rel, target in links.items():
        (dest / rel).unlink(missing_ok=True)
        (dest / rel).symlink_to(target)


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = new_course(tmp_path_factory.mktemp("attacks"))
    scratch = tmp_path_factory.mktemp("tmp")  # every temporary file of the run
    for student, (names, base) in BATCH.items():
        place(course, student, names, base)
    for style in CORRECT:
        submit(course, style, STYLES[style])
    guarded = [course / p for p in ("source", "exercise_code", "release", "tools")]
    guarded += [course / "nbgrader_config.py", course / "submitted"]
    before = snapshot(*guarded)
    env = {**os.environ, "TMPDIR": str(scratch)}
    proc = run_nbgrader(
        str(course),
        "autograde",
        ASSIGNMENT,
        "--force",
        "--Execute.timeout=5",
        "--NotebookRun.execute=True",
        env=env,
    )
    feedback = run_nbgrader(str(course), "generate_feedback", ASSIGNMENT, "--force", env=env)
    log = proc.stdout + proc.stderr + feedback.stdout + feedback.stderr
    return {"course": course, "log": log, "before": before, "guarded": guarded, "scratch": scratch}


def html(course, student):
    return (course / "feedback" / student / ASSIGNMENT / f"{NOTEBOOK}.html").read_text(
        encoding="utf-8"
    )


# Refused by the intake (links to the instructor's solution): not graded at all.
REFUSED = {"links"}


def test_links_to_the_solution_are_refused(course):
    refused = intake.refusals(str(course["course"] / "intake"), ASSIGNMENT)
    assert set(refused) == REFUSED
    assert "is a symbolic link, not a regular file" in refused["links"]


@pytest.mark.parametrize("student", sorted(set(BATCH) - REFUSED))
def test_an_attack_scores_no_more_than_its_honest_base(course, student):
    got = scores(course["course"], student)
    honest = HONEST[BATCH[student][1]]
    assert {p: s for p, s in got.items() if s > honest[p]} == {}, course["log"][-3000:]


@pytest.mark.parametrize("style", CORRECT)
def test_a_correct_style_in_the_batch_gets_full_marks(course, style):
    assert scores(course["course"], style) == POINTS, course["log"][-3000:]


def test_feedback_is_html_only_and_shows_no_solution_hidden_value_or_active_content(course):
    for student in sorted({*BATCH, *CORRECT} - REFUSED):
        folder = course["course"] / "feedback" / student / ASSIGNMENT
        assert sorted(p.name for p in folder.rglob("*")) == [f"{NOTEBOOK}.html"], student
        text = html(course["course"], student)
        assert leaks(text) == [], student
        # Only text may name a marker, escaped: the widget's repr, the verdict quoting the
        # message of the student's exception. Nothing active.
        assert set(re.findall(r"XSS-[A-Z]+", text)) <= {"XSS-WIDGET", "XSS-VERDICT"}, student
        assert "<script>XSS" not in text, student
    autograded = course["course"] / "autograded" / "active" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = json.loads(autograded.read_text(encoding="utf-8"))
    assert "widgets" not in nb["metadata"]
    kinds = {k for c in nb["cells"] for o in c.get("outputs", []) for k in o.get("data", {})}
    assert kinds <= set(SAFE_DATA), kinds


def test_the_flood_of_output_is_cut(course):
    assert len(html(course["course"], "active")) < 3_000_000


def test_the_sandboxes_show_nothing_of_the_course(course):
    """The kernel's report (printed at import) and the probe's (the visible BCE test's
    message) are both in the feedback: no path of the course readable, no other process; the
    kernel can write outside its /tmp only to the folder of its own sockets."""
    text = html(course["course"], "reads")
    seen = re.findall(r"SEEN:(\d+) PIDS:(\d+)", text)
    assert len(seen) >= 2, seen  # the kernel's, the probe's (and its training's)
    for flags, pids in seen:
        assert set(flags) == {"0"} and int(pids) <= 3
    writable = re.findall(r"WRITABLE:\[([^\]]*)\]", text)
    assert writable == [""], writable


def test_code_that_makes_the_notebook_say_passed_is_flagged(course):
    with Gradebook(f"sqlite:///{course['course'] / 'gradebook.db'}") as gb:
        flagged = {
            s: gb.find_submission_notebook(NOTEBOOK, ASSIGNMENT, s).flagged
            for s in sorted({*BATCH, *CORRECT} - REFUSED)
        }
    assert flagged["patches"]
    assert not flagged["slides"] and not flagged["keras"]


def test_the_host_is_unharmed(course):
    """The course's files and every submission unchanged, the gradebook holds the batch and
    nothing else, no process of the batch left, the temporary folder empty."""
    assert snapshot(*course["guarded"]) == course["before"]
    with Gradebook(f"sqlite:///{course['course'] / 'gradebook.db'}") as gb:
        assert {s.id for s in gb.students} == {*BATCH, *CORRECT} - REFUSED
    for _ in range(100):  # SIGKILLed processes take a moment to be reaped
        left = _processes_in(course["course"], course["scratch"])
        if not left:
            break
        time.sleep(0.1)
    assert left == []
    assert sorted(os.listdir(course["scratch"])) == []


def _processes_in(*folders):
    """Processes whose working folder or command line is inside one of ``folders``."""
    return [
        f"{p.pid}: {p.command[:200]}"
        for p in processes.every()
        if any(str(f) in p.cwd or str(f) in p.command for f in folders)
    ]


def test_the_edited_notebook_changed_nothing(course):
    """Its outputs said passed, its points were 100, it added a cell and asked for another
    kernel: every cell is restored, and it scores what its code earns."""
    autograded = course["course"] / "autograded" / "active" / ASSIGNMENT / f"{NOTEBOOK}.ipynb"
    nb = json.loads(autograded.read_text(encoding="utf-8"))
    release = json.loads((RELEASE / f"{NOTEBOOK}.ipynb").read_text(encoding="utf-8"))
    restored = [c for c in nb["cells"] if c.get("id") != "graded-how"]  # TrustedGrades' note
    assert [c["source"] for c in restored] == [c["source"] for c in release["cells"]]
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert scores(course["course"], "active") == HONEST["bce_forward"]
