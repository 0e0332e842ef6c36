"""nbgrader preprocessors that make ``nbgrader autograde`` grade where students cannot reach.

nbgrader_config.py places them in nbgrader's own pipeline:

    sanitize:   ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreNotebook,
                OverwriteCells, CheckCellMetadata
    autograde:  RemoveAddedFiles, SandboxedExecute, TrustedVerdicts, IgnorePattern,
                ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties,
                CheckCellMetadata

so the gradebook, the formgrader and the feedback all show the trusted verdicts.
"""

import os

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from . import oracles, trusted
from .kernel import SandboxedKernelManager
from .oracles import reference

RELEASE = os.path.join(oracles.ROOT, "release")
# nbgrader's own files in a submission (written by `nbgrader submit`, top level): the time of
# submission, and the secret the name of the student's feedback in the exchange derives from
# (`nbgrader release_feedback` reads both from the feedback folder). Plain text that no
# kernel imports; kept through grading.
NBGRADER_BOOKKEEPING = ("timestamp.txt", "submission_secret.txt")


def _release_files(assignment):
    """Relative paths of every file of the released assignment."""
    base = os.path.join(RELEASE, assignment)
    found = set()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".ipynb_checkpoints")]
        found.update(os.path.relpath(os.path.join(dirpath, f), base) for f in filenames)
    return found


class RestoreNotebook(NbGraderPreprocessor):
    """Replace every cell of a submitted notebook with the released one's.

    The notebook asks students to write no code in it (their code lives in four .py files),
    so no cell is theirs: cells they added, changed or deleted are all undone. nbgrader's own
    OverwriteCells, which runs next, only restores the cells it has recorded.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = os.path.join(RELEASE, info["assignment"], f"{info['notebook']}.ipynb")
        released = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        nb.cells = released.cells
        return nb, resources


class RemoveAddedFiles(NbGraderPreprocessor):
    """Delete the files a submission added to the released ones (and every symbolic link),
    but nbgrader's ``NBGRADER_BOOKKEEPING``.

    They could shadow a module the kernel imports (a ``numpy.py`` beside the notebook) and are
    never graded; the submitted folder keeps them for a person to read.
    """

    def preprocess(self, nb, resources):
        folder = resources["metadata"]["path"]
        allowed = _release_files(resources["nbgrader"]["assignment"]) | set(NBGRADER_BOOKKEEPING)
        for dirpath, dirnames, filenames in os.walk(folder, topdown=False):
            for name in filenames + dirnames:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, folder)
                if os.path.islink(path) or (name in filenames and rel not in allowed):
                    self.log.warning("removed %s: not a file of the release", rel)
                    os.remove(path)
                elif name in dirnames and not os.listdir(path):
                    os.rmdir(path)
        return nb, resources


class SandboxedExecute(Execute):
    """nbgrader's Execute with the kernel in the sandbox, and a dead kernel not fatal.

    The grade does not depend on what the kernel does (TrustedVerdicts decides it), so a
    kernel that dies, or a cell that will not stop, ends the execution of the notebook with a
    note in the cell, and grading goes on.
    """

    def __init__(self, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(**kwargs)

    async def _async_handle_timeout(self, timeout, cell=None):
        """A cell past its time ends the run. Interrupting and going on would cost every later
        cell that calls the same endless loop the whole timeout again (and a loop that ignores
        interrupts would never end); the grade comes from TrustedVerdicts all the same."""
        raise CellTimeoutError.error_from_timeout_and_cell("Cell timed out", timeout, cell)

    def preprocess(self, nb, resources=None, km=None):
        try:
            return super().preprocess(nb, resources, km)
        except (DeadKernelError, CellTimeoutError, RuntimeError, TimeoutError) as exc:
            self.log.warning("the notebook's kernel stopped: %s", str(exc).splitlines()[0])
            ran = [c for c in nb.cells if c.cell_type == "code" and c.get("execution_count")]
            if ran:
                reason = (
                    f"ran longer than {self.timeout} s"
                    if isinstance(exc, CellTimeoutError)
                    else "the kernel died"
                )
                ran[-1].outputs.append(
                    _stream(f"The notebook stopped here when graded: {reason}.", "stderr")
                )
            return nb, resources


def wrap(text):
    return reference().grading.engine.wrap(text)


def _stream(text, name="stdout"):
    return NotebookNode(output_type="stream", name=name, text=text + "\n")


def _error(text):
    return NotebookNode(
        output_type="error",
        ename="GradingFailure",
        evalue=text,
        traceback=[reference().grading.engine.traceback_text(text)],
    )


class TrustedVerdicts(NbGraderPreprocessor):
    """Replace each graded test cell's outputs with the trusted verdict of its part.

    A part whose visible test printed "passed" in the notebook but fails when graded in
    isolation is flagged in the gradebook: the notebook's own test was made to pass.
    """

    def preprocess(self, nb, resources):
        folder = resources["metadata"]["path"]
        verdicts = trusted.grade(folder)
        disagree = []
        for cell in nb.cells:
            part = cell.metadata.get("nbgrader", {}).get("grade_id")
            if not (utils.is_grade(cell) and part in verdicts):
                continue
            verdict = verdicts[part]
            said_passed = any(
                f"[{part}] passed" in "".join(o.get("text", ""))
                for o in cell.get("outputs", [])
                if o.get("output_type") == "stream"
            )
            if said_passed and verdict.visible_failed:
                disagree.append(part)
            text = verdict.text
            cell.outputs = [_stream(wrap(text)) if verdict.passed else _error(text)]
        if disagree:
            self._flag(resources, disagree)
        resources.setdefault("nbgrader", {})["trusted_verdicts"] = {
            part: verdict.passed for part, verdict in verdicts.items()
        }
        return nb, resources

    def _flag(self, resources, parts):
        info = resources["nbgrader"]
        reason = (
            f"the notebook's own test of {', '.join(parts)} printed 'passed', but the same test "
            f"failed when graded in isolation"
        )
        self.log.warning("%s: submission FLAGGED for review: %s", info["student"], reason)
        with Gradebook(info["db_url"], info.get("course_id", "")) as gb:
            try:
                notebook = gb.find_submission_notebook(
                    info["notebook"], info["assignment"], info["student"]
                )
            except MissingEntry:
                return
            notebook.flagged = True
            gb.db.commit()
