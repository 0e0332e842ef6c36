"""nbgrader preprocessors that make ``nbgrader autograde`` grade where students cannot reach.

nbgrader_config.py places them in nbgrader's own pipeline:

    sanitize:   ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoreNotebook,
                OverwriteCells, CheckCellMetadata
    autograde:  RemoveAddedFiles, SandboxedExecute, TrustedVerdicts, IgnorePattern,
                ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, SaveFlags,
                AssignLatePenalties, CheckCellMetadata

so the gradebook, the formgrader and the feedback all show the trusted verdicts.
"""

import os
import re

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import Execute, NbGraderPreprocessor

from tools.course import STUDENT_FILES

from . import flags, oracles, trusted
from .kernel import SandboxedKernelManager
from .oracles import reference

RELEASE = os.path.join(oracles.ROOT, "release")
# nbgrader's own files in a submission (written by `nbgrader submit`, top level): the time of
# submission, and the secret the name of the student's feedback in the exchange derives from
# (`nbgrader release_feedback` reads both from the feedback folder). Plain text that no
# kernel imports; kept through grading.
NBGRADER_BOOKKEEPING = ("timestamp.txt", "submission_secret.txt")


class RestoreNotebook(NbGraderPreprocessor):
    """Replace every cell of a submitted notebook, and its metadata, with the released one's.

    The notebook asks students to write no code in it (their code lives in four .py files),
    so no cell is theirs: cells they added, changed or deleted are all undone. nbgrader's own
    OverwriteCells, which runs next, only restores the cells it has recorded. The notebook's
    metadata (its kernel, widget state that the feedback's HTML would embed) is the release's.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        path = os.path.join(RELEASE, info["assignment"], f"{info['notebook']}.ipynb")
        released = nbformat.read(path, as_version=nbformat.NO_CONVERT)
        nb.cells = released.cells
        nb.metadata = released.metadata
        return nb, resources


class RemoveAddedFiles(NbGraderPreprocessor):
    """Delete the files a submission added to the released ones (but nbgrader's
    ``NBGRADER_BOOKKEEPING``), every symbolic link, and the files that were links in the
    submitted folder.

    Added files could shadow a module the kernel imports (a ``numpy.py`` beside the notebook)
    and are never graded. nbgrader copies a submission with ``shutil.copy``, which follows
    links: a student file submitted as a link to the instructor's solution arrives here as a
    copy of that solution. Such a file is removed (the release's stub is graded in its place).
    The submitted folder keeps everything for a person to read.
    """

    def preprocess(self, nb, resources):
        folder = resources["metadata"]["path"]
        info = resources["nbgrader"]
        allowed = trusted.release_files(info["assignment"]) | set(NBGRADER_BOOKKEEPING)
        coursedir = CourseDirectory(config=self.config)
        submitted = coursedir.format_path(
            coursedir.submitted_directory, info["student"], info["assignment"]
        )
        for dirpath, dirnames, filenames in os.walk(folder, topdown=False):
            for name in filenames + dirnames:
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, folder)
                if os.path.islink(path) or (name in filenames and rel not in allowed):
                    self.log.warning("removed %s: not a file of the release", rel)
                    os.remove(path)
                elif rel in STUDENT_FILES and not trusted.regular_file_in(submitted, rel):
                    self.log.warning("removed %s: a link (or no file) when submitted", rel)
                    os.remove(path)
                elif name in dirnames and not os.listdir(path):
                    os.rmdir(path)
        return nb, resources


# The notebook's outputs are the student's code's (what it printed or displayed while the
# notebook ran), and become the feedback's HTML and the page the formgrader shows the
# instructor. Only inert data is kept: text, and images that are base64 data. HTML,
# JavaScript, Markdown, SVG and widgets would run in the instructor's browser (nbconvert does
# not sanitise them), where they could change grades through the formgrader.
SAFE_DATA = ("text/plain", "image/png", "image/jpeg")
MAX_OUTPUT = 2 << 20  # characters of output a notebook keeps (its plots take about 150 KB)
_BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*\Z")


def _inert(output):
    """``output`` with its inert data only, or None if nothing of it is left."""
    kind = output.get("output_type")
    if kind in ("display_data", "execute_result"):
        data = {
            key: value
            for key, value in output.get("data", {}).items()
            if key in SAFE_DATA
            and isinstance(value, str)
            and (key == "text/plain" or _BASE64.match(value))
        }
        if not data:
            return None
        output["data"], output["metadata"] = data, {}
        return output
    if kind == "stream" and isinstance(output.get("text"), str):
        output["name"] = "stderr" if output.get("name") == "stderr" else "stdout"
        return output
    if kind == "error":
        return output
    return None


def _size(output):
    if output.get("output_type") == "stream":
        return len(output["text"])
    return sum(len(str(v)) for v in output.get("data", {}).values()) + len(str(output)[:10_000])


class SandboxedExecute(Execute):
    """nbgrader's Execute with the kernel in the sandbox, a dead kernel not fatal, and the
    outputs inert and bounded.

    The grade does not depend on what the kernel does (TrustedVerdicts decides it), so a
    kernel that dies, or a cell that will not stop, ends the execution of the notebook with a
    note in the cell, and grading goes on. Outputs keep inert data only (``SAFE_DATA``), at
    most MAX_OUTPUT characters in all, cut as they arrive: a kernel printing without end
    would otherwise fill this process's memory and the feedback.
    """

    def __init__(self, **kwargs):
        kwargs["kernel_manager_class"] = SandboxedKernelManager
        super().__init__(**kwargs)
        self._kept = 0
        self._cut = False

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

    async def async_start_new_kernel_client(self):
        client = await super().async_start_new_kernel_client()  # the kernel is ready
        self.km.lock_socket_dir()
        return client

    # nbclient's sync wrapper is bound to its own coroutine: bind it to ours.
    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    async def _async_handle_timeout(self, timeout, cell=None):
        """A cell past its time ends the run. Interrupting and going on would cost every later
        cell that calls the same endless loop the whole timeout again (and a loop that ignores
        interrupts would never end); the grade comes from TrustedVerdicts all the same."""
        raise CellTimeoutError.error_from_timeout_and_cell("Cell timed out", timeout, cell)

    def preprocess(self, nb, resources=None, km=None):
        self._kept, self._cut = 0, False
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
        finally:
            # Displays updated in place (update_display_data) bypass output(): check again.
            for cell in nb.cells:
                if cell.cell_type == "code":
                    cell.outputs = [o for o in map(_inert, cell.get("outputs", [])) if o]
            nb.metadata.pop("widgets", None)  # the student's widget state, which HTML embeds


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
    isolation is flagged (``flags``): the notebook's own test was made to pass. The reason
    ends the cell's outputs; SaveFlags records the flag in the gradebook.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        verdicts = trusted.grade(resources["metadata"]["path"])
        disputed = []
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
            cell.outputs = [_stream(wrap(verdict.text)) if verdict.passed else _error(verdict.text)]
            if said_passed and verdict.visible_failed:
                flag = flags.Flag(info["assignment"], info["student"], part, flags.reason(part))
                cell.outputs.append(flags.cell_output(flag.reason))
                flags.report(self.log, flag)
                disputed.append(part)
        info["disputed_parts"] = disputed
        return nb, resources


class SaveFlags(NbGraderPreprocessor):
    """Record TrustedVerdicts' flags in the gradebook (after SaveAutoGrades, which resets
    ``needs_manual_grade``): the notebook flagged, each disputed grade needing manual grading."""

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        if info.get("disputed_parts"):
            with Gradebook(info["db_url"]) as gb:
                flags.save(
                    gb,
                    info["notebook"],
                    info["assignment"],
                    info["student"],
                    info["disputed_parts"],
                )
        return nb, resources
