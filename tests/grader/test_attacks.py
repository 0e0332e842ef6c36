"""Every attack of tests/attacks.py against the trusted grader, with the real sandbox.

Each attack is graded by ``tools.grader.trusted.grade`` as nbgrader would grade it (the probe
in bubblewrap, the judge here) and must

- pass no part that its honest base (the same submission without the attack) does not pass;
- show, in no verdict, a solution line, a hidden input, a hidden expected value or a line of
  the grader's instructor-only modules; and a part failed on a hidden case shows that case's
  text (``redaction.hidden_failure_text``) and nothing else;
- leave the host as it was: the course's files and the submission unchanged, no process of
  the sandbox running, nothing left in the temporary folder.

tests/nbgrader/test_attacks.py grades a representative subset through real nbgrader.
"""

import hashlib
import os
import re
import tempfile
import time
from pathlib import Path

import pytest

from exercise_code.grading import PARTS
from tests import processes
from tests.attacks import ATTACKS, BASES, leaks
from tests.submissions import ROOT, make_submission
from tools.grader import cases, sandbox, trusted
from tools.grader.redaction import hidden_failure_text
from tools.release.generate import forbidden_lines

# What the course holds that no grading may change.
COURSE_PARTS = ("exercise_code", "source", "release", "tools", "nbgrader_config.py")


def snapshot(*paths):
    """{path: digest} of every file and link below ``paths`` (links by their target)."""
    out = {}
    for top in map(Path, paths):
        items = [top] if not top.is_dir() or top.is_symlink() else sorted(top.rglob("*"))
        for path in items:
            if "__pycache__" in path.parts:
                continue
            if path.is_symlink():
                out[str(path)] = "link:" + os.readlink(path)
            elif path.is_file():
                out[str(path)] = hashlib.sha256(path.read_bytes()).hexdigest()
            elif path.is_dir():
                out[str(path)] = "dir"
    return out


def build(attack, folder):
    """The attack's submission in ``folder`` (which does not exist yet)."""
    make_submission(folder, attack.files_for(ROOT, folder), attack.extra_for(ROOT, folder))
    for rel, target in attack.links_for(ROOT).items():
        link = folder / rel
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(target)
    return folder


def passed(verdicts):
    return {part for part, verdict in verdicts.items() if verdict.passed}


def processes_of(uids):
    """Processes (pid: command) running under one of ``uids``."""
    return {str(p.pid): p.command for p in processes.every() if p.uid in uids}


@pytest.fixture(scope="module")
def honest(tmp_path_factory):
    """{base: the parts it passes}, graded like the attacks."""
    out = {}
    for name, files in BASES.items():
        folder = make_submission(tmp_path_factory.mktemp("honest") / name, files)
        out[name] = passed(trusted.grade(folder))
    assert out["stubs"] == set()
    assert out["bce_forward"] == {"bce_forward", "bce_forward_robust"}
    assert out["reference"] == set(trusted.reference().grading.PARTS)
    return out


@pytest.fixture
def host(tmp_path, monkeypatch):
    """Records the sandboxes' user ids and gives grading a temporary folder of its own; after
    the test, checks that the course is unchanged, no sandboxed process is left and the
    temporary folder is empty."""
    uids = set()
    new_uid = sandbox.new_uid

    def recorded():
        uid = new_uid()
        uids.add(uid)
        return uid

    monkeypatch.setattr(sandbox, "new_uid", recorded)
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    course = snapshot(*(ROOT / part for part in COURSE_PARTS))
    yield
    assert snapshot(*(ROOT / part for part in COURSE_PARTS)) == course
    assert sorted(os.listdir(scratch)) == []
    if os.geteuid() == 0:  # else the sandbox keeps our user id: nothing to tell apart
        assert uids
        for _ in range(100):  # SIGKILLed processes take a moment to be reaped
            left = processes_of(uids)
            if not left:
                break
            time.sleep(0.1)
        assert left == {}


@pytest.fixture
def short_cases(monkeypatch):
    """Shorter time limits for the attacks that run out of time (each costs one limit)."""
    monkeypatch.setattr(trusted, "CASE_SECONDS", 1.5)
    monkeypatch.setattr(trusted, "TRAINING_SECONDS", 4.0)


def grade_attack(name, tmp_path):
    folder = build(ATTACKS[name], tmp_path / "submission")
    before = snapshot(folder)
    verdicts = trusted.grade(folder)
    assert snapshot(folder) == before  # the submission is never written to
    return verdicts


@pytest.mark.timeout(300)
@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_gains_nothing_and_leaks_nothing(name, tmp_path, honest, host, request):
    attack = ATTACKS[name]
    if attack.timeouts:
        request.getfixturevalue("short_cases")
    verdicts = grade_attack(name, tmp_path)
    assert passed(verdicts) <= honest[attack.base], {p: v.text for p, v in verdicts.items()}
    for verdict in verdicts.values():
        assert leaks(verdict.text) == [], verdict.text
        if not verdict.passed and not verdict.visible_failed:
            assert verdict.text in hidden_texts(verdict.part), verdict.text


def hidden_texts(part):
    """The texts a part failed on a hidden case may show: one per hidden case."""
    return {hidden_failure_text(c, PARTS[part].what) for c in cases.hidden() if c.part == part}


def text_of(verdicts, part):
    return verdicts[part].text


def test_the_sandbox_shows_the_probe_nothing_of_the_course(tmp_path, host):
    """The probe's own report (the message of the visible BCE test): none of the paths is
    readable, its environment is the sandbox's, it sees its own processes only."""
    text = text_of(
        trusted.grade(build(ATTACKS["reads_the_instructors_folders"], tmp_path / "s")),
        "bce_forward",
    )
    seen = re.search(r"SEEN:(\d+) PIDS:(\d+) ENV:(\S*)", text)
    assert seen, text
    assert set(seen.group(1)) == {"0"}
    assert int(seen.group(2)) <= 3  # bwrap's init, the probe (and a child at most)
    allowed = {
        "HOME", "USER", "LOGNAME", "PATH", "LANG", "PYTHONDONTWRITEBYTECODE",
        "OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MPLBACKEND", "LC_CTYPE", "PWD",
    }  # fmt: skip
    assert set(seen.group(3).split(",")) <= allowed


def test_nothing_on_disk_can_be_rewritten_from_the_probe(tmp_path, host):
    text = text_of(
        trusted.grade(build(ATTACKS["rewrites_files_on_disk"], tmp_path / "s")), "sigmoid"
    )
    assert "WROTE:0 []" in text, text


@pytest.mark.parametrize(
    "name", ["leak_through_exception_class_and_line", "leak_through_exception_class_name"]
)
def test_what_the_code_chose_on_a_hidden_case_is_not_shown(name, tmp_path, host):
    """The class, the line and the message of the exception the student's code raised on
    the hidden forward test, chosen by the inputs it saw: the verdict has none of them."""
    folder = build(ATTACKS[name], tmp_path / "s")
    verdict = trusted.grade(folder, parts=["classifier_forward"])["classifier_forward"]
    (case,) = [c for c in cases.hidden() if c.id == "classifier_forward/three_features"]
    assert verdict.text == hidden_failure_text(case, PARTS["classifier_forward"].what)
    for chosen in ("Error", "line", "classifier.py", "[[", "0.5", "-1.2"):
        assert chosen not in verdict.text


def test_a_degenerate_forward_does_not_make_any_backward_pass(tmp_path, host):
    """Probabilities of exactly 0 have sigma' = 0: every backward gives dW = 0 on them, so
    they cannot judge a backward pass, and backward is not judged against them."""
    verdicts = trusted.grade(build(ATTACKS["degenerate_probabilities"], tmp_path / "s"))
    assert not verdicts["classifier_backward"].passed
    assert "the values a correct forward gives" in verdicts["classifier_backward"].text


def test_a_forged_call_log_is_not_the_grader_s(tmp_path, host):
    verdicts = trusted.grade(build(ATTACKS["solver_fills_the_call_log"], tmp_path / "s"))
    assert not verdicts["solver_step"].passed
    assert "never called model.forward on X_train" in verdicts["solver_step"].text


def test_the_leak_detector_sees_what_the_attacks_tried_to_show():
    """Texts the grader showed before its fixes: each is caught (so the checks above can fail)."""
    hidden_x = "ValueError: [[0.5, -1.0, 0.3], [-0.7, 0.2, 1.1], [1.4, 0.9, -0.8]]"
    assert leaks(hidden_x)
    assert leaks("got [0.9  0.35 0.6  0.02 0.71]")  # numpy's way of printing the same
    assert leaks("must return the loss (a float): got a list, expected 1.25.")
    expected = trusted.oracles.expect(cases.hidden()[0], None)["individual"]
    assert leaks(f"got {expected[2, 0]:.6f}")  # an expected value, rounded
    solution = sorted(s for s in forbidden_lines(str(ROOT)) if "np.maximum(p, EPS)" in s)[0]
    assert leaks(f"in networks/loss.py, line 5: {solution}")
    assert leaks("a loss of 0.5 at predictions exactly 0 and 1 on 1-D arrays of shape (5,)") == []
