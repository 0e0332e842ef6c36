"""A browser tour of the course in a real JupyterLab: what an instructor and a student see.

``run(folder, out, work=..., others=...)`` sets up one machine in ``folder`` (its home: the
course in ``~/course``, the exchange, the student's ``~/student``; the settings of
``tools/tour/home``), starts ``jupyter lab`` there (nbgrader's extensions, 127.0.0.1, a token),
and drives Debian's Chromium through it as two people would:

- the instructor, in the formgrader: adds the students to the roster, generates and releases
  the assignment (*Manage Assignments*);
- the student, in the *Assignments* tab: fetches it, writes ``work`` into their files, opens
  the notebook, clicks **Validate**, and submits;
- ``others`` submit on the command line (``nbgrader submit``, each from a home of their own);
- the instructor: collects, autogrades every submission in *Manage Submissions*, opens
  *Manual Grading* and every flagged submission's notebook, then generates and releases the
  feedback;
- the student: *Fetch Feedback*.

Every request to another host is refused. The screenshots (``SCREENSHOTS``, cropped to what
each shows) go to ``out``; ``run`` returns what was on the screen as plain data (the texts of
tables and dialogs, the verdicts in the graded cells, the layout of the Validate dialog), for
a test to assert and for ``make screenshots``. The server is stopped at the end, with every
process it started.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from tools.chromium import launch
from tools.course import ASSIGNMENT, COURSE_ID, NOTEBOOK
from tools.nbgrader_env import run_nbgrader
from tools.release.generate import copy_course
from tools.tour.jupyterlab import JupyterLab, home_env

HERE = Path(__file__).resolve().parent
SETTINGS = HERE / "home"
STUDENT = "student1"  # the student who works in the Assignments tab
# A laptop's window for the screenshots, and a small one in which the Validate dialog must
# still show every line of a message.
VIEWPORT = {"width": 1280, "height": 800}
NARROW_WIDTH = 1024
# What tools/grader writes to the log of an autograde that flags a submission.
FLAG_WARNING = "FLAGGED for review"
# Milliseconds: an action of the formgrader (an autograde, the feedback) on a loaded machine.
ACTION_TIMEOUT_MS = 300_000
SCREENSHOTS = {
    "manage-assignments": "Manage Assignments: ex04 generated and released",
    "student-released": "the student's Assignments tab: ex04 released, ready to fetch",
    "student-fetched": "the Assignments tab after Fetch: the notebook and its Validate button",
    "validate-dialog": "the Validate dialog on the student's notebook: two parts fail, their "
    "long messages wrapped",
    "student-submitted": "the Assignments tab after Submit: the submission's time",
    "autograde-dialog": "the autograde dialog of the flagged submission: the warning in its log",
    "manage-submissions": "Manage Submissions after autograde: each student's score",
    "manual-grading": "Manual Grading of the notebook: scores and the Flagged? column",
    "grading-verdict": "a graded test cell of the flagged submission: the trusted verdict",
    "student-feedback": "the Assignments tab after Fetch Feedback: the feedback to view",
}

# --------------------------------------------------------------------------- page scripts

# Every row of a formgrader table: {column heading: {text, icons, titles}}. ``icons`` are the
# visible glyphicons (``flag``, ``ok``), ``titles`` the tooltips, so a flag shown either way
# is read.
TABLE_JS = """table => {
  const heads = Array.from(table.querySelectorAll('thead th')).map(th => th.innerText.trim());
  const visible = e => e.offsetParent !== null;
  return Array.from(table.querySelectorAll('tbody tr')).map(tr => {
    const row = {};
    Array.from(tr.children).forEach((td, i) => {
      const icons = Array.from(td.querySelectorAll('.glyphicon')).filter(visible)
        .map(s => Array.from(s.classList).find(c => c.startsWith('glyphicon-')).slice(10));
      const titles = [td, ...td.querySelectorAll('*')]
        .map(e => e.getAttribute('title') || e.getAttribute('data-original-title'))
        .filter(Boolean);
      row[heads[i] || `column ${i}`] = {text: td.innerText.trim(), icons, titles};
    });
    return row;
  });
}"""

TABLE_LOADED_JS = """() => {
  const table = document.querySelector('#main-table');
  return table && !/Loading, please wait|Please wait/.test(table.innerText);
}"""

# The items of one list of the Assignments tab (released, fetched, submitted), nested ones
# (notebooks, submissions) included: [{name, course, status}].
ASSIGNMENT_LIST_JS = """list => Array.from(list.querySelectorAll('.list_item > .col-md-12'))
  .map(item => ({
    name: (item.querySelector('.item_name') || item).innerText.trim(),
    course: (item.querySelector('.item_course') || {innerText: ''}).innerText.trim(),
    status: (item.querySelector('.item_status') || {innerText: ''}).innerText.trim(),
  }))"""

# The graded cells of the formgrader's view of one submission: the autograder's score is the
# score box's placeholder, a score given by hand its value.
GRADED_CELLS_JS = """() => Array.from(document.querySelectorAll('div.cell'))
  .filter(cell => cell.querySelector('input.score'))
  .map(cell => {
    const score = cell.querySelector('input.score');
    const points = score.parentElement.innerText.match(/\\/\\s*([\\d.]+)/);
    const number = text => (text === null || text === '' ? null : Number(text));
    return {
      grade_id: score.id,
      auto_score: number(score.getAttribute('placeholder')),
      manual_score: number(score.value),
      points: points ? Number(points[1]) : null,
      source: cell.querySelector('.input_area').innerText,
      output: Array.from(cell.querySelectorAll('.output_area')).map(o => o.innerText).join('\\n'),
    };
  })"""
GRADES_LOADED_JS = """() => Array.from(document.querySelectorAll('input.score'))
  .every(i => i.hasAttribute('placeholder'))"""

# Whatever the page says about a flag (a label, a tooltip, a comment), line by line.
FLAG_MENTIONS_JS = """() => {
  const titles = Array.from(document.querySelectorAll('[title], [data-original-title]'))
    .map(e => e.getAttribute('title') || e.getAttribute('data-original-title'));
  const comments = Array.from(document.querySelectorAll('textarea')).map(t => t.value);
  // Each output block whole (a flag's reason is wrapped over several lines), each line of
  // the rest of the page, the tooltips and the comments.
  const blocks = Array.from(document.querySelectorAll('pre')).map(p => p.innerText);
  return [...blocks, ...document.body.innerText.split('\\n'), ...titles, ...comments]
    .map(s => s.trim()).filter(s => /flag/i.test(s));
}"""

# The Validate dialog's layout: every <pre> (a cell's source, a failure message) with the width
# of its longest line (scrollWidth) and of its box, the dialog's box and the window's width.
DIALOG_LAYOUT_JS = """() => {
  const dialog = document.querySelector('.jp-Dialog-content');
  const body = dialog.querySelector('.jp-Dialog-body');
  const box = dialog.getBoundingClientRect();
  return {
    window_width: window.innerWidth,
    dialog: {left: box.left, right: box.right, width: box.width},
    body: {scroll_width: body.scrollWidth, client_width: body.clientWidth},
    pres: Array.from(dialog.querySelectorAll('pre')).map(p => ({
      text: p.innerText,
      scroll_width: p.scrollWidth,
      client_width: p.clientWidth,
      right: p.getBoundingClientRect().right,
      longest_line: Math.max(...p.innerText.split('\\n').map(l => l.length)),
    })),
  };
}"""

# Scroll the log of a formgrader dialog so that the first line containing ``text`` is in view.
SCROLL_LOG_TO_JS = """text => {
  for (const pre of document.querySelectorAll('.modal-body pre')) {
    const node = Array.from(pre.childNodes).find(n => n.textContent.includes(text));
    if (!node) continue;
    const range = document.createRange();
    const at = node.textContent.indexOf(text);
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    const line = range.getBoundingClientRect();
    pre.scrollTop += line.top - pre.getBoundingClientRect().top - 40;
    return true;
  }
  return false;
}"""


# --------------------------------------------------------------------------- the machine


def set_up(folder):
    """The home of the tour's machine in ``folder``: the course, the exchange, the student's
    folder and the settings of ``tools/tour/home``. Returns the home."""
    home = Path(folder) / "home"
    shutil.copytree(SETTINGS / "jupyter", home / ".jupyter")
    shutil.copytree(SETTINGS / "student", home / "student")
    (home / "exchange").mkdir()
    (home / "course").mkdir()
    copy_course(str(home / "course"))
    return home


def submit_from_own_home(folder, home, student, files):
    """Another student submits on the command line, from a home of their own
    (``folder/<student>``; nbgrader keeps each person's submissions in their home): the
    assignment as the exchange of ``home`` hands it out, with ``files`` ({relative path: text})
    written over it, submitted with ``nbgrader submit`` under their own id."""
    own = Path(folder) / student
    exchange = Path(home) / "exchange"
    shutil.copytree(exchange / COURSE_ID / "outbound" / ASSIGNMENT, own / ASSIGNMENT)
    for rel, text in files.items():
        path = own / ASSIGNMENT / rel
        path.chmod(0o644)
        path.write_text(text, encoding="utf-8")
    proc = run_nbgrader(
        str(own),
        "submit",
        ASSIGNMENT,
        f"--course={COURSE_ID}",
        f"--CourseDirectory.student_id={student}",
        f"--Exchange.root={exchange}",
        env=home_env(own),
    )
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader submit as {student} failed:\n{proc.stdout}{proc.stderr}")


# --------------------------------------------------------------------------- the tour


class Tour:
    """One browser page on the JupyterLab, and what it saw (``seen``, plain data):

    - ``screenshots``: {name: path of the PNG};
    - ``dialogs``: every dialog of the formgrader, [{action, title, text}], and ``autograde``:
      {student id: the dialog of their autograde};
    - ``students``, ``manage_assignments``, ``manage_submissions``, ``manual_grading``: the
      formgrader's tables, each row {column heading: {text, icons, titles}} (``TABLE_JS``);
    - ``student_released``, ``student_fetched``, ``student_submitted``, ``student_feedback``:
      the Assignments tab, {released|fetched|submitted: [{name, course, status}]};
    - ``validate``: the Validate dialog, {title, text, layout: {window width: its layout}}
      (``DIALOG_LAYOUT_JS``);
    - ``graded_cells``: {student's name: [{grade_id, auto_score, manual_score, points, source,
      output}]} of each flagged submission, and ``flag_mentions``: {student's name: what its
      view says of a flag};
    - ``refused_requests``, ``errors``: requests to other hosts, errors of the pages' scripts.
    """

    def __init__(self, page, lab, out):
        self.page = page
        self.lab = lab
        self.out = Path(out)
        self.seen = {"screenshots": {}, "dialogs": [], "refused_requests": [], "errors": []}
        page.set_default_timeout(60_000)
        page.route("**/*", self._route)
        page.on("pageerror", lambda e: self.seen["errors"].append(str(e)))

    def _route(self, route):
        if route.request.url.startswith((self.lab.url, "data:", "blob:", "about:")):
            route.continue_()
        else:
            self.seen["refused_requests"].append(route.request.url)
            route.abort()

    # ---------------------------------------------------------------- JupyterLab

    def open_lab(self):
        self.page.goto(self.lab.lab_url("/lab") + "&reset")
        self.page.locator("#jp-main-dock-panel").wait_for()
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").wait_for()
        # Close the file browser: the panels get the width of the window.
        self.page.locator('.jp-SideBar.jp-mod-left [data-id="filebrowser"]').click()

    def menu(self, item):
        """Nbgrader > ``item`` (Formgrader, Assignment List)."""
        self.page.locator(".lm-MenuBar-itemLabel", has_text="Nbgrader").click()
        self.page.locator(".lm-Menu-itemLabel", has_text=item).first.click()

    def tab(self, label):
        self.page.locator(".lm-TabBar-tabLabel", has_text=label).first.click()

    def shot(self, name, locator):
        if name not in SCREENSHOTS:
            raise KeyError(f"{name}: not a screenshot of SCREENSHOTS")
        path = self.out / f"{name}.png"
        locator.screenshot(path=str(path), animations="disabled")
        self.seen["screenshots"][name] = str(path)

    # ---------------------------------------------------------------- the formgrader

    @property
    def fg(self):
        return self.page.frame_locator("iframe[src*='/formgrader']")

    def fg_frame(self):
        return next(f for f in self.page.frames if "/formgrader" in f.url)

    def fg_go(self, link):
        """Click ``link`` (in the formgrader) and wait until the page it opens has its table."""
        frame = self.fg_frame()
        with frame.expect_navigation():
            link.click()
        self.fg_frame().wait_for_function(TABLE_LOADED_JS)

    def fg_page(self, name):
        """Go to a page of the formgrader's side menu (Manage Assignments, Manual Grading...)."""
        self.fg_go(self.fg.get_by_role("link", name=name, exact=True).first)

    def fg_table(self):
        return self.fg.locator("table.table-hover").evaluate(TABLE_JS)

    def fg_click_and_read_dialog(self, action, link, screenshot=None, when=""):
        """Click ``link`` (an action of a table row), wait for its dialog, note its title and
        text, and close it. If the dialog's text contains ``when``, its log is scrolled there
        and it is saved as the screenshot ``screenshot`` (once)."""
        link.click()
        modal = self.fg.locator("#success-modal, #error-modal")
        modal.wait_for(timeout=ACTION_TIMEOUT_MS)
        modal.locator(".modal-footer button").wait_for()
        dialog = {
            "action": action,
            "title": modal.locator(".modal-title").inner_text().strip(),
            "text": modal.locator(".modal-body").inner_text(),
        }
        self.seen["dialogs"].append(dialog)
        if screenshot and screenshot not in self.seen["screenshots"] and when in dialog["text"]:
            if when:
                self.fg_frame().evaluate(SCROLL_LOG_TO_JS, when)
            self.shot(screenshot, modal.locator(".modal-content"))
        modal.locator(".modal-footer button").first.click()
        modal.wait_for(state="detached")
        self.fg_frame().wait_for_function(TABLE_LOADED_JS)  # the row is drawn again
        return dialog

    def assignment_row(self):
        return self.fg.locator(
            "#main-table tr", has=self.fg.locator("td.name", has_text=ASSIGNMENT)
        )

    def assignment_action(self, action, cell):
        """A button of ex04's row in Manage Assignments (generate, release, collect, ...)."""
        return self.fg_click_and_read_dialog(action, self.assignment_row().locator(f"td.{cell} a"))

    def add_students(self, roster):
        """Manage Students > Add new student..., once per student of ``roster``."""
        self.fg_page("Manage Students")
        for student_id, (first, last) in roster.items():
            self.fg.get_by_role("link", name="Add new student...").click()
            modal = self.fg.locator("#add-student-modal")
            modal.locator("input.id").fill(student_id)
            modal.locator("input.first-name").fill(first)
            modal.locator("input.last-name").fill(last)
            modal.locator("button.save").click()
            modal.wait_for(state="detached")
            self.fg.locator("#main-table td", has_text=student_id).first.wait_for()
        self.seen["students"] = self.fg_table()

    # ---------------------------------------------------------------- the Assignments tab

    @property
    def assignments(self):
        return self.page.locator("#nbgrader-assignment-list")

    @property
    def assignment_lists_box(self):
        """The three lists of the Assignments tab, without the empty panel below them."""
        return self.assignments.locator("#assignments")

    def assignment_lists(self):
        return {
            which: self.assignments.locator(f"#{which}_assignments_list").evaluate(
                ASSIGNMENT_LIST_JS
            )
            for which in ("released", "fetched", "submitted")
        }

    def student_button(self, which, label):
        """Click ``label`` (Fetch, Submit, Fetch Feedback) in the list ``which``."""
        self.assignments.locator(f"#{which}_assignments_list button", has_text=label).click()

    # ---------------------------------------------------------------- the steps

    def open_formgrader(self):
        self.menu("Formgrader")
        self.fg.locator("#main-table").wait_for()
        self.fg_frame().wait_for_function(TABLE_LOADED_JS)

    def instructor_prepares(self, roster):
        self.open_formgrader()
        if roster:
            self.add_students(roster)
        self.fg_page("Manage Assignments")
        self.assignment_action("generate", "assign")
        self.assignment_action("release", "release")
        self.assignment_row().locator("td.status", has_text="released").wait_for()
        self.seen["manage_assignments"] = self.fg_table()
        self.shot("manage-assignments", self.fg.locator("table.table-hover"))

    def student_works(self, work):
        self.menu("Assignment List")
        self.assignments.locator("#released_assignments_list", has_text=ASSIGNMENT).wait_for()
        self.seen["student_released"] = self.assignment_lists()
        self.shot("student-released", self.assignment_lists_box)
        self.student_button("released", "Fetch")
        fetched = self.assignments.locator("#fetched_assignments_list")
        fetched.locator(".item_name", has_text=ASSIGNMENT).wait_for()
        folder = self.lab.home / "student" / ASSIGNMENT
        for rel, text in work.items():  # what the student writes in their editor
            path = folder / rel
            path.chmod(0o644)
            path.write_text(text, encoding="utf-8")
        fetched.locator(".item_name a", has_text=ASSIGNMENT).first.click()  # show the notebooks
        fetched.get_by_role("button", name="Validate").first.wait_for()
        self.seen["student_fetched"] = self.assignment_lists()
        self.shot("student-fetched", self.assignment_lists_box)
        fetched.locator(".item_name a", has_text=NOTEBOOK).first.click()  # open the notebook
        self.validate()
        self.tab("Assignments")
        self.student_button("fetched", "Submit")
        submitted = self.assignments.locator("#submitted_assignments_list")
        submitted.locator(".item_name", has_text=ASSIGNMENT).wait_for()
        self.seen["student_submitted"] = self.assignment_lists()
        self.shot("student-submitted", self.assignment_lists_box)

    def validate(self):
        """The notebook's Validate button; the dialog's text and layout, at the screenshot's
        window width and at ``NARROW_WIDTH``."""
        button = self.page.locator("jp-button.validate-button")
        button.wait_for()
        self.page.locator(".jp-Notebook .jp-Cell").first.wait_for()
        button.click()
        dialog = self.page.locator(".jp-Dialog-content")
        dialog.wait_for(timeout=ACTION_TIMEOUT_MS)
        seen = {
            "title": dialog.locator(".jp-Dialog-header").inner_text().strip(),
            "text": dialog.locator(".jp-Dialog-body").inner_text(),
            "layout": {},
        }
        self.shot("validate-dialog", dialog)
        for width in (VIEWPORT["width"], NARROW_WIDTH):
            self.page.set_viewport_size({**VIEWPORT, "width": width})
            seen["layout"][width] = self.page.evaluate(DIALOG_LAYOUT_JS)
        self.page.set_viewport_size(VIEWPORT)
        dialog.locator(".jp-Dialog-button.jp-mod-accept").click()
        dialog.wait_for(state="detached")
        self.seen["validate"] = seen

    def instructor_grades(self):
        self.tab("Formgrader")
        self.fg_page("Manage Assignments")
        self.assignment_action("collect", "collect")
        self.assignment_row().locator("td.status", has_text="released").wait_for()
        self.fg_go(self.assignment_row().locator("td.num-submissions a"))
        ids = self.fg.locator("#main-table td.student-id").all_inner_texts()
        self.seen["autograde"] = {}
        for student in [s.strip() for s in ids]:
            row = self.fg.locator(
                "#main-table tr", has=self.fg.locator("td.student-id", has_text=student)
            )
            # The dialog of the first flagged submission is saved, scrolled to the warning.
            self.seen["autograde"][student] = self.fg_click_and_read_dialog(
                f"autograde {student}",
                row.locator("td.autograde a"),
                screenshot="autograde-dialog",
                when=FLAG_WARNING,
            )
            self.lab.remember_processes()
        self.seen["manage_submissions"] = self.fg_table()
        self.shot("manage-submissions", self.fg.locator("table.table-hover"))
        self.manual_grading()

    def manual_grading(self):
        self.fg_page("Manual Grading")
        self.fg_go(self.fg.locator("#main-table td a", has_text=ASSIGNMENT))
        self.fg_go(self.fg.locator("#main-table td a", has_text=NOTEBOOK))
        list_url = self.fg_frame().url
        self.fg.get_by_text("Show All Names").click()
        rows = self.fg_table()
        self.seen["manual_grading"] = rows
        self.shot("manual-grading", self.fg.locator("table.table-hover"))
        self.seen["graded_cells"], self.seen["flag_mentions"] = {}, {}
        flagged = [r for r in rows if "flag" in r.get("Flagged?", {}).get("icons", [])]
        for i, row in enumerate(flagged):
            student = row["Submission ID"]["text"]
            frame = self.fg_frame()
            with frame.expect_navigation():
                self.fg.locator("#main-table td.name a.name-shown", has_text=student).click()
            frame = self.fg_frame()
            frame.wait_for_function(GRADES_LOADED_JS)
            cells = frame.evaluate(GRADED_CELLS_JS)
            self.seen["graded_cells"][student] = cells
            self.seen["flag_mentions"][student] = frame.evaluate(FLAG_MENTIONS_JS)
            if i == 0 and cells:
                first = self.fg.locator("div.cell", has=self.fg.locator("input.score")).first
                first.scroll_into_view_if_needed()
                self.shot("grading-verdict", first)
            frame.goto(list_url)
            self.fg_frame().wait_for_function(TABLE_LOADED_JS)

    def instructor_returns_feedback(self):
        self.fg_page("Manage Assignments")
        self.assignment_action("generate feedback", "generate-feedback")
        self.assignment_action("release feedback", "release-feedback")

    def student_fetches_feedback(self):
        self.tab("Assignments")
        self.assignments.locator("#refresh_assignments_list").click()
        submitted = self.assignments.locator("#submitted_assignments_list")
        submitted.get_by_text("feedback available to fetch").wait_for()
        self.student_button("submitted", "Fetch Feedback")
        submitted.get_by_text("view feedback").wait_for(timeout=ACTION_TIMEOUT_MS)
        self.seen["student_feedback"] = self.assignment_lists()
        self.shot("student-feedback", self.assignment_lists_box)


def run(folder, out, *, work, others=None, roster=None):
    """The whole tour (see the module's docstring), on a new machine in ``folder`` (empty).

    :param out: the folder for the screenshots (``SCREENSHOTS``, as ``<name>.png``).
    :param work: {student file: text}: what the student writes after fetching.
    :param others: {student: {file: text}}: other students, who submit on the command line
        from homes of their own (``folder/<student>``) after the first one (files not given
        are the release's).
    :param roster: {student id: (first name, last name)}: added in *Manage Students*.
    :returns: what the tour saw, as plain data (``Tour``), with ``home`` (the machine's home)
        and ``left_running`` (the command lines of processes the server left, then killed).
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    home = set_up(folder)
    lab = JupyterLab(home, cwd=home / "course", env={**os.environ, "COURSE_TOUR_STUDENT": STUDENT})
    lab.start()
    try:
        with launch(env=home_env(home)) as browser:
            page = browser.new_page(viewport=VIEWPORT)
            tour = Tour(page, lab, out)
            tour.open_lab()
            tour.instructor_prepares(roster)
            tour.student_works(work)
            for student, files in (others or {}).items():
                submit_from_own_home(folder, home, student, files)
            tour.instructor_grades()
            tour.instructor_returns_feedback()
            tour.student_fetches_feedback()
            seen = tour.seen
    finally:
        left = lab.stop()
    seen["left_running"] = left
    seen["home"] = str(home)
    return seen
