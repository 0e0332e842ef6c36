"""The text of the source notebook that is written from code, so that it cannot drift.

``make release`` (tools/release/generate.py, ``sync_points``) calls ``sync_text``, which writes:

- each graded part's heading, ``## 1. Binary cross-entropy: forward (3 points)``: the sum of
  ``tools.course.POINTS`` over the graded cells between that heading and the next;
- the table of points in the introduction, between ``<!-- BEGIN GENERATED: points -->`` and
  ``<!-- END GENERATED: points -->``: a row per part (core, robustness, total) and the total;
- the numbers to expect after training, between ``<!-- BEGIN GENERATED: expected -->`` and
  ``<!-- END GENERATED: expected -->``: the reference solution (the top-level
  ``exercise_code``, with solutions) trained on the default splits at the notebook's
  ``LEARNING_RATE`` and ``NUM_EPOCHS``, like the book's glue. tests/tools/test_notebook_text.py
  compares them with a fresh computation (``EXPECTED_TOLERANCE``).
"""

import re

from tools.course import POINTS, ROBUSTNESS_SUFFIX

# A part's heading: "## 7. The training step", with the points the generator appends.
HEADING = re.compile(r"^(## (\d+)\. .*?)(?: \(\d+ points?\))?$")
# What the notebook says about the expected numbers, and what the test allows.
LOSS_DIGITS = 4
EXPECTED_TOLERANCE = 1e-4  # absolute, on the final training loss; the accuracies: exact


def _region(name):
    return (f"<!-- BEGIN GENERATED: {name} -->", f"<!-- END GENERATED: {name} -->")


def replace_region(text, name, body):
    """``text`` with the region ``name`` holding ``body``; ValueError if it has no region."""
    begin, end = _region(name)
    pattern = re.compile(re.escape(begin) + r".*?" + re.escape(end), re.S)
    if not pattern.search(text):
        raise ValueError(f"no region {begin} ... {end}")
    return pattern.sub(lambda _: f"{begin}\n{body}\n{end}", text, count=1)


def region_body(text, name):
    """The text inside the region ``name`` (without the markers), or None."""
    begin, end = _region(name)
    match = re.search(re.escape(begin) + r"\n?(.*?)\n?" + re.escape(end), text, re.S)
    return match.group(1) if match else None


def graded_id(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return meta.get("grade_id") if meta.get("grade") else None


def parts(cells):
    """[(number, title, [grade_id, ...]), ...]: each numbered heading with its graded cells."""
    out = []
    for cell in cells:
        if cell["cell_type"] == "markdown":
            match = HEADING.match(cell["source"].partition("\n")[0])
            if match:
                title = match.group(1).split(". ", 1)[1]
                out.append((int(match.group(2)), title, []))
                continue
        part = graded_id(cell)
        if part and out:
            out[-1][2].append(part)
    return [p for p in out if p[2]]


def points_of(ids):
    return sum(POINTS[i] for i in ids)


def points_words(n):
    return f"{n} point{'' if n == 1 else 's'}"


def points_table(cells):
    """The Markdown table of the points, and the sentence with the total."""
    rows = [
        "| part | what | core | robustness | points |",
        "| --- | --- | ---: | ---: | ---: |",
    ]
    robust_total = 0
    for number, title, ids in parts(cells):
        robust = points_of([i for i in ids if i.endswith(ROBUSTNESS_SUFFIX)])
        robust_total += robust
        core = points_of(ids) - robust
        rows.append(
            f"| {number} | {title} | {core} | {robust if robust else '–'} | {points_of(ids)} |"
        )
    total = sum(POINTS.values())
    rows.append(f"| | **total** | {total - robust_total} | {robust_total} | **{total}** |")
    return "\n".join(rows)


def expected_numbers():
    """The reference's numbers after training: a dict (computed now, a few hundred ms)."""
    import numpy as np

    from exercise_code.data import load_breast_cancer_splits
    from exercise_code.hyperparameters import LEARNING_RATE, NUM_EPOCHS
    from exercise_code.networks import BCE, Classifier
    from exercise_code.solver import Solver

    data = load_breast_cancer_splits()
    model = Classifier(num_features=data.X_train.shape[1])
    solver = Solver(model, data, BCE(), LEARNING_RATE, verbose=False)
    solver.train(NUM_EPOCHS)
    out = {"loss": float(BCE().forward(model.forward(data.X_train), data.y_train))}
    for split in ("val", "test"):
        X, y = getattr(data, f"X_{split}"), getattr(data, f"y_{split}")
        out[f"{split}_right"] = int(np.sum(model.predict(X) == y))
        out[f"{split}_n"] = len(y)
    return out


def expected_text(numbers):
    n = numbers
    return (
        f"With the reference solution, the trained weights have a training loss of "
        f"**{n['loss']:.{LOSS_DIGITS}f}**, a validation accuracy of "
        f"**{n['val_right'] / n['val_n']:.4f}** ({n['val_right']} of {n['val_n']}) and, at the "
        f"end of the notebook, a test accuracy of **{n['test_right'] / n['test_n']:.4f}** "
        f"({n['test_right']} of {n['test_n']}), at the threshold 0.5. A correct solution gives "
        f"the same numbers up to rounding (the graded test allows 1 % on the loss)."
    )


# The numbers as the text states them: loss, val right, val n, test right, test n.
EXPECTED_PATTERN = re.compile(
    r"training loss of \*\*([0-9.]+)\*\*.*?\((\d+) of (\d+)\).*?\((\d+) of (\d+)\)", re.S
)


def stated_numbers(text):
    """The numbers ``expected_text`` wrote into ``text``, as the dict it was given (rounded)."""
    match = EXPECTED_PATTERN.search(text)
    if not match:
        return None
    loss, vr, vn, tr, tn = match.groups()
    return {
        "loss": float(loss),
        "val_right": int(vr),
        "val_n": int(vn),
        "test_right": int(tr),
        "test_n": int(tn),
    }


def sync_text(notebook, numbers=None):
    """Write the headings' points, the table and the expected numbers into ``notebook``.

    :param numbers: the expected numbers (default: computed now with ``expected_numbers``).
    :return: a list of the cells changed (by id).
    """
    cells = notebook.cells
    table = points_table(cells)
    changes = []
    for cell in cells:
        if cell.cell_type != "markdown":
            continue
        source = cell.source
        first, sep, rest = source.partition("\n")
        match = HEADING.match(first)
        if match:
            ids = next((ids for num, _, ids in parts(cells) if num == int(match.group(2))), [])
            if ids:
                first = f"{match.group(1)} ({points_words(points_of(ids))})"
            source = first + sep + rest
        if region_body(source, "points") is not None:
            source = replace_region(source, "points", table)
        if region_body(source, "expected") is not None:
            if numbers is None:
                numbers = expected_numbers()
            source = replace_region(source, "expected", expected_text(numbers))
        if source != cell.source:
            changes.append(f"generated text of {cell.get('id')}")
            cell.source = source
    return changes
