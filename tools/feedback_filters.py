"""Feedback preprocessor: an error in a test cell shows its message, never a traceback.

A traceback prints the source lines around the failing call, and in a test cell those lines
include the hidden tests and their stored values: nbgrader's ClearHiddenTests clears the
cell's source, not its outputs. The checks' own failures print one line already
(``GradingFailure``); anything else that escapes a test cell (an interrupted endless loop,
an error raised by the test code itself) is cut to its last line, "ErrorName: message".
"""

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor


class ShortTestTracebacks(NbGraderPreprocessor):
    """Cut the tracebacks of the error outputs of graded test cells to their last line."""

    def preprocess_cell(self, cell, resources, index):
        if utils.is_grade(cell) and not utils.is_solution(cell):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error" and len(output.get("traceback", [])) > 1:
                    output["traceback"] = output["traceback"][-1:]
        return cell, resources
