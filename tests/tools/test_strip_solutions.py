"""The release step's solution stripper and leak scanner (no nbgrader needed)."""

import json

import pytest

from tools.release.generate import find_leaks
from tools.release.strip_solutions import SolutionMarkerError, region_names, strip_solutions

SOURCE = '''\
class Model:
    def forward(self, x):
        """Doc stays."""
        out = None
        ### BEGIN SOLUTION
        out = 2 * x
        ### END SOLUTION
        return out

    def backward(self, d):
        if d is not None:
            ### BEGIN SOLUTION
            return 2 * d
            ### END SOLUTION


def helper(v):
    ### BEGIN SOLUTION
    return v + 1
    ### END SOLUTION
'''


def test_regions_are_named_after_their_function():
    assert region_names(SOURCE) == ["Model.forward", "Model.backward", "helper"]


def test_every_region_becomes_a_stub_that_raises_with_its_indentation():
    stripped = strip_solutions(SOURCE)
    assert "2 * x" not in stripped and "2 * d" not in stripped and "v + 1" not in stripped
    assert "BEGIN SOLUTION" not in stripped and "END SOLUTION" not in stripped
    assert '        raise NotImplementedError("Model.forward is not implemented' in stripped
    assert '            raise NotImplementedError("Model.backward' in stripped
    assert '    raise NotImplementedError("helper' in stripped
    assert '"""Doc stays."""' in stripped
    namespace = {}
    exec(compile(stripped, "<stripped>", "exec"), namespace)  # still valid Python
    with pytest.raises(NotImplementedError, match=r"Model\.forward"):
        namespace["Model"]().forward(1)


def test_keep_leaves_named_regions_solved_without_markers():
    stripped = strip_solutions(SOURCE, keep={"Model.backward"})
    assert "return 2 * d" in stripped and "2 * x" not in stripped
    assert "SOLUTION" not in stripped
    namespace = {}
    exec(compile(stripped, "<stripped>", "exec"), namespace)
    assert namespace["Model"]().backward(3) == 6


@pytest.mark.parametrize(
    "text",
    [
        "def f():\n    ### BEGIN SOLUTION\n    return 1\n",
        "def f():\n    return 1\n    ### END SOLUTION\n",
        "def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n    ### END SOLUTION\n",
    ],
)
def test_unbalanced_markers_are_refused(text):
    with pytest.raises(SolutionMarkerError):
        strip_solutions(text)


def test_leak_scanner_finds_a_solution_line_in_outputs_and_metadata(tmp_path):
    secret = "out = 2 * x"
    notebook = {
        "cells": [
            {
                "cell_type": "code",
                "source": ["print(1)"],
                "metadata": {},
                "outputs": [{"output_type": "stream", "name": "stdout", "text": [secret + "\n"]}],
                "execution_count": 1,
            }
        ],
        "metadata": {"note": secret},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (tmp_path / "nb.ipynb").write_text(json.dumps(notebook), encoding="utf-8")
    (tmp_path / "clean.py").write_text("x = 1\n", encoding="utf-8")
    leaks = find_leaks(str(tmp_path), {secret})
    assert len(leaks) >= 2 and all(line == secret for _, _, line in leaks)
    assert not find_leaks(str(tmp_path), {"never there"})
