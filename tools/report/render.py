"""The report's two files: one offline HTML page (plots and tables) and a CSV.

The page loads nothing: its plots are PNGs in ``data:`` URLs (matplotlib's Agg backend, no
metadata), its style is inline, it has no script and no link out. Every string that comes
from a student (an id; a refusal's reason names the student's file) is escaped
(``html.escape``); the rest is the course's own text, escaped all the same. It shows grades
and the names of mistakes only: no verdict's text (which quotes the student's code), no
input of a hidden case.
"""

import base64
import csv
import html
import io

import matplotlib

matplotlib.use("Agg")  # static images, no display; before pyplot is imported
import matplotlib.pyplot as plt

from .mistakes import label

# A spreadsheet runs a cell that begins with one of these as a formula: a student id is the
# student's to choose, so such a cell of the CSV gets a leading apostrophe (OWASP's advice).
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _png(fig):
    """``fig`` as a ``data:image/png;base64,...`` URL (no metadata: no software's URL)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=96, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def histogram_plot(histogram, max_score):
    """A bar per whole number of points, 0 .. max: how many students scored it."""
    fig, ax = plt.subplots(figsize=(7, 3))
    points = [p for p, _ in histogram]
    ax.bar(points, [n for _, n in histogram], color="#3b6ea5", width=0.8)
    ax.set_xticks(points)
    ax.set_xlabel(f"points (of {max_score:g})")
    ax.set_ylabel("students")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def rates_plot(rates, what):
    """A horizontal bar per part or check: the share of graded students with full points."""
    names = list(rates)
    shares = [100 * passed / graded if graded else 0 for passed, graded in rates.values()]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 0.9))
    ax.barh(names, shares, color="#4c9a2a")
    ax.invert_yaxis()  # the notebook's order, top down
    ax.set_xlim(0, 100)
    ax.set_xlabel(f"students with every point of the {what} (%)")
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


def mistakes_plot(counts):
    """A horizontal bar per named mistake (``check: key``): how many students made it."""
    names = [f"{check}: {key}" for check, key in counts]
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(names) + 0.9))
    ax.barh(names, [len(s) for s in counts.values()], color="#b5452c")
    ax.invert_yaxis()  # the most made first
    ax.set_xlabel("students")
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.spines[["top", "right"]].set_visible(False)
    return _png(fig)


# --------------------------------------------------------------------------- HTML

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 60em; padding: 0 1em;
       color: #1a1a1a; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #bbb; padding: 0.2em 0.6em; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
img { max-width: 100%; }
.note { color: #555; }
"""


def _e(value):
    return html.escape(str(value), quote=True)


def _table(table_id, header, rows, numeric=()):
    """A table: ``rows`` of cells (escaped here); the columns ``numeric`` right-aligned."""
    out = [f'<table id="{_e(table_id)}">', "<thead><tr>"]
    out += [f"<th>{_e(h)}</th>" for h in header]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = [
            f'<td class="n">{_e(c)}</td>' if i in numeric else f"<td>{_e(c)}</td>"
            for i, c in enumerate(row)
        ]
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "\n".join(out)


def _img(src, alt):
    return f'<img src="{src}" alt="{_e(alt)}">'


def _score(value):
    return "" if value is None else f"{value:g}"


def _rate_rows(rates):
    return [
        (name, passed, graded, f"{100 * passed / graded:.0f} %" if graded else "-")
        for name, (passed, graded) in rates.items()
    ]


def page(report):
    """The report of ``report`` (a ``collect.ClassReport``) as one HTML document."""
    graded = report.graded()
    title = f"{report.assignment}: the class at a glance"
    parts, checks = report.pass_rates(report.parts), report.pass_rates()
    counts = report.mistake_counts()
    flagged = [r for r in report.records if r.flagged]
    refused = [r for r in report.records if r.refused]
    ungraded = [r for r in report.records if r.ungraded and not r.refused]
    body = [
        f"<h1>{_e(title)}</h1>",
        f'<p id="summary">{len(report.records)} students: {len(graded)} graded, '
        f"{len(flagged)} flagged for review, {len(refused)} refused by the intake, "
        f"{len(ungraded)} without a grade. Full marks: {report.max_score:g} points.</p>",
        "<h2>Scores</h2>",
    ]
    histogram = report.histogram()
    if graded:
        body.append(_img(histogram_plot(histogram, report.max_score), "score histogram"))
    body.append(_table("histogram", ("points", "students"), histogram, numeric=(0, 1)))
    body.append("<h2>Pass rate per part</h2>")
    if graded:
        body.append(_img(rates_plot(parts, "part"), "pass rate per part"))
    header = ("part", "students with full points", "graded", "rate")
    body.append(_table("parts", header, _rate_rows(parts), numeric=(1, 2, 3)))
    body.append("<h2>Pass rate per check</h2>")
    if [c.name for c in report.checks] == list(report.parts):
        body.append('<p class="note">Each part is one graded check.</p>')
    elif graded:
        body.append(_img(rates_plot(checks, "check"), "pass rate per check"))
    header = ("check", "students with full points", "graded", "rate")
    body.append(_table("checks", header, _rate_rows(checks), numeric=(1, 2, 3)))
    body.append("<h2>Named mistakes: what to teach again</h2>")
    body.append(
        '<p class="note">The mistake the grader named in each failed check (the first failing '
        "test of a check is the one named); a hidden test names no mistake, only itself.</p>"
    )
    if counts:
        body.append(_img(mistakes_plot(counts), "named mistakes"))
    rows = [
        (check, key, label(key), len(students), ", ".join(students))
        for (check, key), students in counts.items()
    ]
    header = ("check", "mistake", "what the grader says", "students", "who")
    body.append(_table("mistakes", header, rows, numeric=(3,)))
    body.append("<h2>Flagged for review</h2>")
    rows = [(r.student, ", ".join(r.flagged)) for r in flagged]
    body.append(_table("flagged", ("student", "parts"), rows))
    body.append("<h2>Refused or without a grade</h2>")
    rows = [(r.student, "refused", r.refused) for r in refused]
    rows += [(r.student, "no grade", r.ungraded) for r in ungraded]
    body.append(_table("ungradable", ("student", "state", "why"), rows))
    body.append("<h2>Every student</h2>")
    header = ("student", "total", *[c.name for c in report.checks], "flagged", "state")
    rows = [
        (
            r.student,
            _score(r.total),
            *[_score(r.scores.get(c.name)) for c in report.checks],
            ", ".join(r.flagged),
            _state(r),
        )
        for r in report.records
    ]
    body.append(_table("students", header, rows, numeric=range(1, 2 + len(report.checks))))
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{_e(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + "\n</body>\n</html>\n"
    )


def _state(record):
    if record.refused:
        return "refused"
    if record.ungraded:
        return "no grade"
    return "graded"


# --------------------------------------------------------------------------- CSV

CSV_HEADER = ("student", "total", "flagged", "refused", "ungraded", "mistakes")


def _cell(value):
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA) else text


def write_csv(report, path):
    """One row per student: id, total, every check's points, flagged parts, the intake's
    reason for a refusal, what a lost grade lacks, and the mistakes (``check:key``, by ``;``, in
    the checks' order: a gradebook on PostgreSQL returns grades in no order of its own)."""
    names = [c.name for c in report.checks]
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(("student", "total", *names, *CSV_HEADER[2:]))
        for r in report.records:
            out.writerow(
                [
                    _cell(r.student),
                    _score(r.total),
                    *[_score(r.scores.get(n)) for n in names],
                    ";".join(r.flagged),  # the course's part names ("-": flagged by hand)
                    _cell(r.refused),
                    _cell(r.ungraded),
                    ";".join(f"{n}:{r.mistakes[n]}" for n in names if n in r.mistakes),
                ]
            )
