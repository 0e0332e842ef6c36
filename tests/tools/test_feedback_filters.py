"""The feedback preprocessor keeps the last line of a test cell's traceback, nothing else."""

import nbformat

from tools.feedback_filters import ShortTestTracebacks


def cell(grade, solution=False):
    c = nbformat.v4.new_code_cell("grading.check_sigmoid()\n### BEGIN HIDDEN TESTS\n...")
    c.metadata["nbgrader"] = {"grade": grade, "solution": solution, "grade_id": "x", "points": 1}
    traceback = ["KeyboardInterrupt  Traceback", "----> 8 grading.check_hidden(x=[1, 2])", "Ki: "]
    c.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="[sigmoid] passed\n"),
        nbformat.v4.new_output("error", ename="Ki", evalue="", traceback=traceback),
    ]
    return c


def test_a_test_cells_traceback_keeps_its_last_line_only():
    nb = nbformat.v4.new_notebook(cells=[cell(grade=True), cell(grade=False)])
    nb, _ = ShortTestTracebacks().preprocess(nb, {})
    test, other = nb.cells
    assert test.outputs[1].traceback == ["Ki: "]
    assert test.outputs[0].text == "[sigmoid] passed\n"  # other outputs are kept
    assert len(other.outputs[1].traceback) == 3  # not a test cell: the student's own code
