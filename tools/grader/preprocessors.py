"""nbgrader preprocessors that make ``nbgrader autograde`` grade where students cannot reach.

``nbgrader autograde`` reads only the trees the course's intake built (``intake``,
``autograde.CourseAutograde``), and nbgrader_config.py places these in its pipeline:

    sanitize:   SubmittedOutputs, DeduplicateIds, OverwriteKernelspec, RestoreNotebook,
                OverwriteCells, CheckCellMetadata
    autograde:  SandboxedExecute, IgnorePattern, ClearMetadataPreprocessor, CapOutputs,
                TrustedGrades, AssignLatePenalties, CheckCellMetadata

By default the notebook is not run (``NotebookRun.execute``): the feedback shows the outputs
the student submitted, made inert and capped, and each graded cell the trusted verdict, which
TrustedGrades also writes into the gradebook itself (no score is parsed back from outputs).
"""

import os
import re
import time

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, SaveAutoGrades
from traitlets import Bool, Float
from traitlets.config import LoggingConfigurable

from . import flags, oracles, trusted
from .kernel import SandboxedKernelManager
from .oracles import reference

RELEASE = os.path.join(oracles.ROOT, "release")


class NotebookRun(LoggingConfigurable):
    """Whether ``nbgrader autograde`` runs the notebook (``c.NotebookRun.execute``), and the
    time the whole notebook may take then.

    The grade never depends on it: TrustedGrades grades the four student files in its own
    sandbox. Not running it makes grading about four times cheaper, and the feedback shows
    the outputs the student submitted (made inert), saying so. Running it (in the sandbox, on
    the tree the intake built) gives re-run outputs, and flags a part whose visible test
    printed "passed" there but failed when graded.
    """

    execute = Bool(False, help="Run each submitted notebook when autograding.").tag(config=True)
    notebook_seconds = Float(
        120.0, help="Seconds the whole notebook may run (then it stops; grading goes on)."
    ).tag(config=True)


class RestoreNotebook(NbGraderPreprocessor):
    """Replace every cell of a submitted notebook, and its metadata, with the released one's.

    The notebook asks students to write no code in it (their code lives in four .py files),
    so no cell is theirs: cells they added, changed or deleted are all undone. nbgrader's own
    OverwriteCells, which runs next, only restores the cells it has recorded. The notebook's
    metadata (its kernel, widget state that the feedback's HTML would embed) is the release's.

    The outputs a student submitted stay with the released cell they belong to (by cell id,
    else by nbgrader's grade id), made inert by SubmittedOutputs before.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = os.path.join(RELEASE, info["assignment"], f"{info['notebook']}.ipynb")
        released = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        submitted = {}
        for cell in nb.cells:
            if cell.get("cell_type") == "code" and cell.get("outputs"):
                for key in (
                    cell.get("id"),
                    cell.get("metadata", {}).get("nbgrader", {}).get("grade_id"),
                ):
                    if isinstance(key, str):
                        submitted.setdefault(key, cell.outputs)
        for cell in released.cells:
            if cell.cell_type == "code":
                key = cell.get("id") if cell.get("id") in submitted else None
                key = key or cell.metadata.get("nbgrader", {}).get("grade_id")
                cell.outputs = submitted.get(key, []) if isinstance(key, str) else []
        nb.cells = released.cells
        nb.metadata = released.metadata
        return nb, resources


# The notebook's outputs are the student's code's (what it printed or displayed when the
# notebook ran, here or on the student's machine), and become the feedback's HTML and the
# page the formgrader shows the instructor. Only inert data is kept: text, and images that are
# base64 data. HTML, JavaScript, Markdown, SVG and widgets would run in the instructor's
# browser (nbconvert does not sanitise them), where they could change grades through the
# formgrader.
SAFE_DATA = ("text/plain", "image/png", "image/jpeg")
# Characters of output kept: per output (a plot of the notebook is about 60 KB of base64), and
# per notebook (its plots take about 150 KB in all). Counted on the output's JSON, whatever
# its kind (an error's traceback, an updated display), by CapOutputs once nothing can change
# them any more.
MAX_CELL_OUTPUT = 256 << 10
MAX_OUTPUT = 2 << 20
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*\Z")


def _strings(value):
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


def _inert(output):
    """``output`` with its inert data only, or None if nothing of it is left."""
    kind = output.get("output_type")
    if kind in ("display_data", "execute_result"):
        data = output.get("data")
        data = {
            key: value
            for key, value in (data.items() if isinstance(data, dict) else ())
            if key in SAFE_DATA
            and isinstance(value, str)
            and (key == "text/plain" or _BASE64.match(value))
        }
        if not data:
            return None
        inert = NotebookNode(output_type=kind, data=data, metadata={})
        if kind == "execute_result":
            count = output.get("execution_count")
            inert["execution_count"] = count if isinstance(count, int) else None
        return inert
    if kind == "stream" and isinstance(output.get("text"), str):
        name = "stderr" if output.get("name") == "stderr" else "stdout"
        return NotebookNode(output_type="stream", name=name, text=output["text"])
    if (
        kind == "error"
        and isinstance(output.get("ename"), str)
        and isinstance(output.get("evalue"), str)
        and _strings(output.get("traceback"))
    ):
        return NotebookNode(
            output_type="error",
            ename=output["ename"],
            evalue=output["evalue"],
            traceback=output["traceback"],
        )
    return None


def _size(output):
    """Characters of ``output`` (its JSON, all of it)."""
    return len(nbformat.v4.nbjson.json.dumps(output))


def _cut(output, left):
    """``output`` made to fit in ``left`` characters: a stream keeps its beginning, anything
    else is replaced by a note (an image or a traceback is no use in part)."""
    if output.output_type == "stream" and left > 200:
        return NotebookNode(output_type="stream", name=output.name, text=output.text[: left - 200])
    return None


def cap_outputs(cells, per_output=MAX_CELL_OUTPUT, per_notebook=MAX_OUTPUT):
    """Cap the outputs of ``cells`` in place: each output at ``per_output`` characters, all
    of them at ``per_notebook``; a cell whose outputs were cut ends with a note that says so.
    Returns the characters cut."""
    kept = cut = 0
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        outputs, trimmed = [], False
        for output in cell.get("outputs", []):
            size = _size(output)
            left = min(per_output, per_notebook - kept)
            if size <= left:
                outputs.append(output)
                kept += size
                continue
            trimmed = True
            part = _cut(output, left)
            if part is not None:
                outputs.append(part)
                kept += _size(part)
            cut += size - (_size(part) if part is not None else 0)
        if trimmed:
            outputs.append(
                _stream(
                    f"(output cut: the grader keeps {per_output} characters of an output and "
                    f"{per_notebook} of a notebook)",
                    "stderr",
                )
            )
        cell.outputs = outputs
    return cut


class SubmittedOutputs(NbGraderPreprocessor):
    """The outputs a submitted notebook arrives with: cleared if the notebook is run when
    graded (``NotebookRun.execute``), else kept, inert (``SAFE_DATA``) and capped."""

    def preprocess(self, nb, resources):
        execute = NotebookRun(parent=self).execute
        for cell in nb.cells:
            if cell.get("cell_type") != "code":
                continue
            if execute:
                cell.outputs, cell.execution_count = [], None
            else:
                cell.outputs = [o for o in map(_inert, cell.get("outputs", [])) if o]
        nb.metadata.pop("widgets", None)  # the student's widget state, which HTML embeds
        if not execute:
            cap_outputs(nb.cells)
        return nb, resources


class SandboxedExecute(Execute):
    """nbgrader's Execute with the kernel in the sandbox, run only if ``NotebookRun.execute``
    says so, within a time for the whole notebook, a dead kernel not fatal, outputs inert.

    The grade does not depend on what the kernel does (TrustedGrades decides it), so a kernel
    that dies, a cell that will not stop, or a notebook past ``NotebookRun.notebook_seconds``
    ends the execution of the notebook with a note in the cell, and grading goes on. Outputs
    keep inert data only (``SAFE_DATA``), at most MAX_OUTPUT characters in all, cut as they
    arrive: a kernel printing without end would otherwise fill this process's memory.
    CapOutputs caps them again once the notebook has run (updated displays included).
    """

    def __init__(self, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(**kwargs)
        self._kept = 0
        self._cut = False
        self._deadline = None

    def output(self, outs, msg, display_id, cell_index):
        out = super().output(outs, msg, display_id, cell_index)
        if out is None or not outs or outs[-1] is not out:
            return out
        outs.pop()
        out = _inert(out)
        if out is None:
            return None
        left = MAX_OUTPUT - self._kept
        if _size(out) > left:
            if out.output_type == "stream" and left > 0:
                out.text = out.text[:left]
                outs.append(out)
            if not self._cut:
                outs.append(_stream(f"(output cut: more than {MAX_OUTPUT} characters)", "stderr"))
            self._cut = True
            self._kept = MAX_OUTPUT
            return None
        self._kept += _size(out)
        outs.append(out)
        return out

    def _get_timeout(self, cell):
        """A cell's time: Execute.timeout, but never past the notebook's own deadline."""
        timeout = super()._get_timeout(cell)
        if self._deadline is None:
            return timeout
        left = max(1.0, self._deadline - time.monotonic())
        return left if timeout is None else min(timeout, left)

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()  # the kernel is ready
        self.km.lock_socket_dir()
        return client

    # nbclient's sync wrapper is bound to its own coroutine: bind it to ours.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    async def _async_handle_timeout(self, timeout, cell=None):
        """A cell past its time ends the run. Interrupting and going on would cost every later
        cell that calls the same endless loop the whole timeout again (and a loop that ignores
        interrupts would never end); the grade comes from TrustedGrades all the same."""
        raise CellTimeoutError.error_from_timeout_and_cell("Cell timed out", timeout, cell)

    def preprocess(self, nb, resources=None, km=None):
        run = NotebookRun(parent=self)
        if not run.execute:
            return nb, resources
        self._kept, self._cut = 0, False
        self._deadline = time.monotonic() + run.notebook_seconds
        try:
            return super().preprocess(nb, resources, km)
        except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError) as exc:
            self.log.warning("the notebook's kernel stopped: %s", str(exc).splitlines()[0])
            ran = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
            if ran:
                if self._deadline - time.monotonic() <= 1.0:
                    reason = f"the notebook ran longer than {run.notebook_seconds:g} s in all"
                elif isinstance(exc, CellTimeoutError):
                    reason = f"ran longer than {self.timeout} s"
                else:
                    reason = "the kernel died"
                ran[-1].outputs.append(
                    _stream(f"The notebook stopped here when graded: {reason}.", "stderr")
                )
            return nb, resources
        finally:
            # Displays updated in place (update_display_data) bypass output(): check again.
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs = [o for o in map(_inert, cell.get("outputs", [])) if o]
            nb.metadata.pop("widgets", None)


class CapOutputs(NbGraderPreprocessor):
    """The final cap on the notebook's outputs (``cap_outputs``), whatever made them: each at
    MAX_CELL_OUTPUT characters, all at MAX_OUTPUT. The verdicts are written after it."""

    def preprocess(self, nb, resources):
        cut = cap_outputs(nb.cells)
        if cut:
            self.log.warning("outputs cut: %d characters over the caps", cut)
        return nb, resources


def wrap(text):
    return reference().grading.engine.wrap(text)


def _stream(text, name="stdout"):
    return NotebookNode(output_type="stream", name=name, text=text + "\n")


NOT_RUN = (
    "**Graded without running this notebook.** The outputs below are the ones you submitted; "
    "each test cell shows the grader's verdict on your four files, which it ran on its own. "
    "Your grade is those verdicts: an output you saw when you ran the notebook yourself does "
    "not change it."
)
RUN = (
    "**This notebook was run again when graded** (the outputs below are that run's); each "
    "test cell shows the grader's verdict on your four files, which it ran on its own: your "
    "grade is those verdicts."
)


class TrustedGrades(SaveAutoGrades):
    """The trusted grade of every part, written where nbgrader and the instructor look: each
    graded test cell's outputs become the part's verdict, and the gradebook gets its score
    (the part's points if it passed, else 0) from the verdict itself, never from an output.

    When the notebook was run (``NotebookRun.execute``), a part whose visible test printed
    "passed" there but failed when graded is flagged (``flags``): the notebook's own test was
    made to pass. A flag never rests on the outputs a student submitted: those may come from
    code the student changed after running it. A note at the top says which of the two it was.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        executed = NotebookRun(parent=self).execute
        self._verdicts = trusted.grade(resources["metadata"]["path"])
        self._disputed = []
        for cell in nb.cells:
            part = cell.metadata.get("nbgrader", {}).get("grade_id")
            if not (utils.is_grade(cell) and part in self._verdicts):
                continue
            verdict = self._verdicts[part]
            said_passed = executed and any(
                f"[{part}] passed" in "".join(o.get("text", ""))
                for o in cell.get("outputs", [])
                if o.get("output_type") == "stream"
            )
            cell.outputs = [_stream(wrap(verdict.text), "stdout" if verdict.passed else "stderr")]
            # Only a certain failure flags: one the notebook's test shows too, on the same
            # code, whatever the sandbox's limits (trusted.Verdict.certain).
            if said_passed and verdict.visible_failed and verdict.certain:
                flag = flags.Flag(info["assignment"], info["student"], part, flags.reason(part))
                cell.outputs.append(flags.cell_output(flag.reason))
                flags.report(self.log, flag)
                self._disputed.append(part)
        note = nbformat.v4.new_markdown_cell(RUN if executed else NOT_RUN)
        note.id = "graded-how"
        nb.cells.insert(0, note)
        nb, resources = super().preprocess(nb, resources)
        if self._disputed:
            with Gradebook(info["db_url"]) as gb:
                flags.save(
                    gb, info["notebook"], info["assignment"], info["student"], self._disputed
                )
        return nb, resources

    def _add_score(self, cell, resources):
        part = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(
            part, self.notebook_id, self.assignment_id, self.student_id
        )
        verdict = self._verdicts.get(part)
        if verdict is None:  # a graded cell the grader has no part for: a person decides
            self.log.error("no trusted verdict for the graded cell %s", part)
            grade.auto_score = None
        else:
            grade.auto_score = float(grade.max_score) if verdict.passed else 0.0
        grade.needs_manual_grade = grade.manual_score is not None or grade.auto_score is None
        self.gradebook.db.commit()
