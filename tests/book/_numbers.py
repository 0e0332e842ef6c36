"""Find the numbers a book page states in prose, captions and alt texts, and judge each one.

The rule the book follows: a number a reader sees in the prose comes from the code, not from
the author's keyboard. A number is accounted for when it is

- **glued**: pasted at build time by a myst-nb role (``{glue:text}`key```, ``{glue}`key```,
  ``{glue:md}`key```); the scanner never sees it, because the value is not in the source;
- **a literal of the code next to it**: its value is a number token in the visible code cell
  just before or just after the prose (for a figure's caption and alt text: in the figure's
  own cell). That covers inputs the prose describes ("41 points between 0.5 and 2") and results
  a cell asserts (``assert abs(loss - 36.04) < 0.005``): change the code and the prose no
  longer matches, or the build fails;
- **trivial**: an integer from 0 to 4 (indices, "step 2", $h^2$, $\\tfrac14$, shapes
  ``(D+1, 1)``);
- **allowed** for its page, with a reason, by the test's explicit list (mathematical
  constants of the text itself, a cited table's thresholds).

Everything else is a claim the code does not back, and the test lists it.
"""

from __future__ import annotations

import io
import math
import re
import tokenize
from dataclasses import dataclass
from pathlib import Path

TRIVIAL = frozenset({0.0, 1.0, 2.0, 3.0, 4.0})

# A fenced block: ``` or ```` or ~~~ or ::: with an info string, up to the same fence.
_FENCE = re.compile(
    r"^(?P<fence>`{3,}|~{3,}|:{3,})(?P<info>[^\n]*)\n(?P<body>.*?)^(?P=fence)[ \t]*$",
    re.M | re.S,
)
# Directives whose argument is a name, not prose.
_NAMED_DIRECTIVES = re.compile(r"^\{(glue[\w:-]*|solution[\w-]*|figure|image|bibliography)\}")
_OPTION_LINE = re.compile(r"^[ \t]*:[\w-]+:.*$", re.M)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_ROLE = re.compile(r"\{[\w:.-]+\}(`+)(?:(?!\1).)*?\1", re.S)  # {glue:text}`key:.2f` etc.
_CODE_SPAN = re.compile(r"(`+)(?:(?!\1).)+?\1", re.S)
_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")
_LABEL_LINE = re.compile(r"^\([\w:.-]+\)=[ \t]*$", re.M)
_EQ_LABEL = re.compile(r"\$\$[ \t]*\([\w:.-]+\)")
_LIST_MARKER = re.compile(r"^[ \t]*\d+\.[ \t]", re.M)
_DISPLAY_MATH = re.compile(r"\$\$(.+?)\$\$", re.S)
_INLINE_MATH = re.compile(r"(?<![\\$])\$(?!\$)(.+?)(?<![\\$])\$", re.S)
# Subscripts name things (W_{D+1}, x_{ij}, \lambda_{\max}); they state no quantity.
_SUBSCRIPT_BRACED = re.compile(r"_\{[^{}]*\}")
_SUBSCRIPT_SINGLE = re.compile(r"_\\?[A-Za-z0-9]")
# \tfrac12 is one half, not twelve.
_SHORT_FRAC = re.compile(r"\\[dt]?frac\s*(\d)\s*(\d)")

_MINUS = "-\u2212"  # ASCII hyphen-minus and the Unicode minus sign
_SCI_LATEX = re.compile(
    r"(?:(?P<m>\d+(?:\.\d+)?)\s*(?:\\times|\\cdot|×|·)\s*)?"
    rf"10\s*\^\s*(?:\{{\s*(?P<e1>[{_MINUS}]?\s*\d+)\s*\}}|(?P<e2>[{_MINUS}]?\d))"
)
_SCI_E = re.compile(r"(?<![\w.])(?P<m>\d+(?:\.\d+)?)[eE](?P<e>[-+]?\d+)(?!\w|\.\d)")
_PLAIN = re.compile(
    r"(?<![\w.\\])(?P<num>\d{1,3}(?:[ \u00a0\u2009\u202f]\d{3})+(?!\d)|\d+(?:\.\d+)?)(?![\w])"
)
_PERCENT_AFTER = re.compile(r"^\s*\\?%")
# Numbers in words are claims too ("nine times smaller", "about a hundred epochs", "tens of
# percent"). One to four are as trivial as the digits.
_WORD_VALUES = {
    "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
    "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100,
    "hundreds": 100, "thousand": 1000, "thousands": 1000, "million": 1e6, "millions": 1e6,
    "billion": 1e9, "tens": 10, "dozen": 12, "dozens": 12,
}  # fmt: skip
_WORD = re.compile(r"(?<![\w-])(" + "|".join(_WORD_VALUES) + r")(?![\w-])", re.I)


@dataclass(frozen=True)
class Number:
    """A number as the page writes it."""

    text: str
    value: float
    percent: bool
    context: str

    def candidates(self) -> list[float]:
        """The values it may stand for: 4.8 % is 4.8 or 0.048 in code."""
        return [self.value, self.value / 100] if self.percent else [self.value]


@dataclass(frozen=True)
class Claim:
    """A number found in one place of a page."""

    docname: str
    where: str  # "prose", "caption" or "alt"
    cell: int
    number: Number

    def __str__(self) -> str:
        return (
            f"{self.docname}, {self.where} of cell {self.cell}: {self.number.text!r} "
            f"in ...{self.number.context}..."
        )


def _strip_fences(text: str) -> str:
    """Drop code blocks; keep the prose body (and title) of directives."""

    def replace(match: re.Match) -> str:
        info = match.group("info").strip()
        body = match.group("body")
        if not info.startswith("{"):
            return "\n"  # ```bash, ```text, ```python: code, not prose
        name_and_arg = info
        if _NAMED_DIRECTIVES.match(name_and_arg) or name_and_arg.startswith(
            ("{code", "{math}", "{raw}")
        ):
            title = ""
            if name_and_arg.startswith(("{code", "{raw}")):
                body = ""
        else:
            title = re.sub(r"^\{[^}]*\}", "", name_and_arg)
        return title + "\n" + _strip_fences(_OPTION_LINE.sub("", body)) + "\n"

    return _FENCE.sub(replace, text)


def _clean_math(tex: str) -> str:
    tex = _SHORT_FRAC.sub(r"\1/\2", tex)
    previous = None
    while previous != tex:  # nested subscripts: x_{i_{k}}
        previous = tex
        tex = _SUBSCRIPT_BRACED.sub(" ", tex)
    return _SUBSCRIPT_SINGLE.sub(" ", tex)


def prose_text(markdown: str) -> str:
    """The prose of a markdown cell: no code, no roles, no labels; math kept (cleaned)."""
    text = _COMMENT.sub(" ", markdown)
    text = _strip_fences(text)
    text = _LABEL_LINE.sub(" ", text)
    text = _EQ_LABEL.sub("$$", text)
    text = _ROLE.sub(" ", text)
    text = _CODE_SPAN.sub(" ", text)
    text = _LINK.sub(r"\1", text)
    text = _LIST_MARKER.sub(" ", text)
    text = _DISPLAY_MATH.sub(lambda m: "$$" + _clean_math(m.group(1)) + "$$", text)
    return _INLINE_MATH.sub(lambda m: "$" + _clean_math(m.group(1)) + "$", text)


def _to_float(text: str) -> float:
    return float(re.sub(r"[\s\u00a0\u2009\u202f]", "", text).replace("\u2212", "-"))


def numbers_in(text: str) -> list[Number]:
    """Every number in ``text`` (already cleaned by :func:`prose_text`)."""
    found: list[Number] = []
    spans: list[tuple[int, int]] = []

    def context(start: int, end: int) -> str:
        return " ".join(text[max(0, start - 40) : end + 40].split())

    def add(start: int, end: int, value: float) -> None:
        percent = bool(_PERCENT_AFTER.match(text[end:]))
        found.append(Number(text[start:end], abs(value), percent, context(start, end)))
        spans.append((start, end))

    for m in _SCI_LATEX.finditer(text):
        exponent = _to_float(m.group("e1") or m.group("e2"))
        mantissa = _to_float(m.group("m")) if m.group("m") else 1.0
        add(m.start(), m.end(), mantissa * 10.0**exponent)
    for m in _SCI_E.finditer(text):
        if not any(s <= m.start() < e for s, e in spans):
            add(m.start(), m.end(), _to_float(m.group("m")) * 10.0 ** int(m.group("e")))
    for m in _PLAIN.finditer(text):
        if not any(s <= m.start() < e for s, e in spans):
            add(m.start(), m.end(), _to_float(m.group("num")))
    for m in _WORD.finditer(text):
        add(m.start(), m.end(), float(_WORD_VALUES[m.group(1).lower()]))
    return found


def code_literals(source: str) -> set[float]:
    """Absolute values of the number tokens of Python code (strings and comments excluded)."""
    literals: set[float] = set()
    lines = [line for line in source.splitlines() if not line.lstrip().startswith(("%", "!"))]
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO("\n".join(lines) + "\n").readline))
    except (tokenize.TokenError, SyntaxError):
        return literals
    for tok in tokens:
        if tok.type == tokenize.NUMBER:
            try:
                value = complex(tok.string.replace("_", "")).real
            except ValueError:
                continue
            literals.add(abs(value))
    return literals


def is_backed(number: Number, literals: set[float]) -> bool:
    """Is the number one of the literals (to rounding of the last digit written)?"""
    for value in number.candidates():
        for literal in literals:
            if math.isclose(value, literal, rel_tol=1e-9, abs_tol=0.0):
                return True
    return False


def _cells(path: Path):
    from myst_nb.core.read import read_myst_markdown_notebook

    nb = read_myst_markdown_notebook(path.read_text(encoding="utf-8"), path=str(path))
    return nb.cells


def _visible_code(cell) -> bool:
    """A code cell the reader sees (a removed cell backs nothing the reader can check)."""
    return cell.cell_type == "code" and "remove-cell" not in cell.metadata.get("tags", [])


def _neighbour_code(cells, index: int) -> list[str]:
    """The visible code cells just before and just after cell ``index``."""
    neighbours = []
    for step in (-1, 1):
        j = index + step
        while 0 <= j < len(cells) and not _visible_code(cells[j]):
            j += step
        if 0 <= j < len(cells):
            neighbours.append(cells[j].source)
    return neighbours


def stated_numbers(path: Path, docname: str) -> list[tuple[Claim, set[float]]]:
    """Every number a page states, with the literals of the code that may back it."""
    out: list[tuple[Claim, set[float]]] = []
    cells = _cells(path)
    for i, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            literals = set().union(*(code_literals(s) for s in _neighbour_code(cells, i)))
            for number in numbers_in(prose_text(cell.source)):
                out.append((Claim(docname, "prose", i, number), literals))
        elif cell.cell_type == "code":
            mystnb = cell.metadata.get("mystnb", {})
            caption = mystnb.get("figure", {}).get("caption", "")
            alt = mystnb.get("image", {}).get("alt", "")
            literals = code_literals(cell.source)
            for where, text in (("caption", caption), ("alt", alt)):
                for number in numbers_in(prose_text(text)):
                    out.append((Claim(docname, where, i, number), literals))
    return out


def unbacked_numbers(
    path: Path, docname: str, allowed: dict[float, str] | None = None
) -> tuple[list[Claim], set[float]]:
    """The numbers of a page that nothing accounts for, and the allowed values it used."""
    allowed = allowed or {}
    problems: list[Claim] = []
    used: set[float] = set()
    for claim, literals in stated_numbers(path, docname):
        number = claim.number
        if number.value in TRIVIAL and not number.percent and "." not in number.text:
            continue
        hits = [a for a in allowed if any(math.isclose(v, a) for v in number.candidates())]
        if hits:
            used.update(hits)
            continue
        if not is_backed(number, literals):
            problems.append(claim)
    return problems, used


def glue_keys_used(path: Path) -> set[str]:
    """The glue keys a page pastes (roles and directives), without format specs."""
    text = path.read_text(encoding="utf-8")
    keys = set()
    for m in re.finditer(r"\{glue(?P<kind>:\w+)?\}`(?P<arg>[^`]+)`", text):
        arg = m.group("arg")
        # {glue:text}`key:.2f`, {glue:md}`key:myst`: after the last colon comes a format.
        keys.add(arg.rsplit(":", 1)[0] if m.group("kind") in (":text", ":md") else arg)
    for m in re.finditer(r"^[`:~]{3,}\{glue(?::\w+)?\}[ \t]+(\S+)", text, re.M):
        keys.add(m.group(1))
    return keys
