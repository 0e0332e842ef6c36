"""``nbgrader collect`` as the course runs it (``c.ExchangeFactory.collect``).

nbgrader's own collect lists the exchange's inbound folder with ``glob``, copies the newest
entry of each student with ``shutil.copytree`` (links followed: a link to the instructor's
solution arrives in ``submitted/`` as a regular file), only warns when an entry is owned by
another account than the student it names (so one student can plant a later entry under a
classmate's name), and stops the whole command at one malformed entry name. CourseCollect:

- lists inbound without following links: an entry that is not a folder is skipped;
- skips, each on its own, an entry whose name does not parse (``student+assignment+time+...``);
- rejects an entry that is not owned by the account of the student it names
  (``check_owner``, on by default; a course where one OS account plays every student turns it
  off, and is then told so in the log); a rejected entry is never the one collected, so a
  planted entry cannot replace its victim's own;
- writes the newest entry left of each student into ``submitted/`` through the intake
  (``intake.take``): the release with the submission's notebook and four student files as
  regular files, nothing else, and the time from the entry's name. A submission the intake
  refuses is not collected (a submission collected before stays), with its reason logged and
  kept for ``python -m tools.grader.flags``.
"""

import fnmatch
import os
import pwd
import shutil
import stat
import tempfile

from nbgrader.exchange.default.collect import ExchangeCollect
from nbgrader.utils import check_mode, parse_utc

from . import flags, intake


class CourseCollect(ExchangeCollect):
    """nbgrader's ExchangeCollect, taking entries through the course's intake."""

    def _entry(self, entry):
        """The record of an inbound entry ({username, filename, timestamp}), or None (logged)
        if it cannot be collected."""
        name = entry.name
        parts = name.rsplit("+", 3)
        if len(parts) != 4:
            self.log.warning("skipped inbound entry %r: not a name nbgrader submit writes", name)
            return None
        if parts[1] != self.coursedir.assignment_id:
            return None  # another assignment's entry
        student = parts[0]
        try:
            timestamp = parse_utc(parts[2])
        except (ValueError, OverflowError):
            self.log.warning("skipped inbound entry %r: its time does not parse", name)
            return None
        if not intake.STUDENT_ID.match(student):
            self.log.warning("skipped inbound entry %r: not a student id nbgrader can use", name)
            return None
        info = entry.stat(follow_symlinks=False)
        if not stat.S_ISDIR(info.st_mode):
            self.log.warning("skipped inbound entry %r: not a folder (a link or a file)", name)
            return None
        if self.check_owner:
            try:
                owner = pwd.getpwuid(info.st_uid).pw_name
            except KeyError:
                owner = f"user id {info.st_uid}"
            if owner != student:
                self.log.warning(
                    "REJECTED inbound entry %r: it names %s but is owned by %s",
                    name,
                    student,
                    owner,
                )
                return None
        return {"username": student, "filename": name, "timestamp": timestamp}

    def init_src(self):
        if self.coursedir.course_id == "":
            self.fail("No course id specified. Re-run with --course flag.")
        self.course_path = os.path.join(self.root, self.coursedir.course_id)
        self.inbound_path = os.path.join(self.course_path, "inbound")
        if not os.path.isdir(self.inbound_path) or os.path.islink(self.inbound_path):
            self.fail(f"Course not found: {self.inbound_path}")
        if not check_mode(self.inbound_path, read=True, execute=True):
            self.fail(f"You don't have read permissions for the directory: {self.inbound_path}")
        if not self.check_owner:
            self.log.warning(
                "ExchangeCollect.check_owner is off: an entry is collected for the student it "
                "names whoever owns it (right only where one OS account plays every student)"
            )
        wanted = self.coursedir.student_id or "*"
        records = []
        with os.scandir(self.inbound_path) as entries:
            for entry in entries:
                record = self._entry(entry)
                if record is not None and fnmatch.fnmatchcase(record["username"], wanted):
                    records.append(record)
        by_student = {}
        for record in records:
            by_student.setdefault(record["username"], []).append(record)
        self.duedate = self._duedate()
        self.src_records = []
        for found in by_student.values():
            found = self._sort_by_timestamp(found)
            if self.duedate is not None and self.before_duedate:
                before = [r for r in found if r["timestamp"] <= self.duedate]
                found = before or found
            self.src_records.append(found[0])

    def _duedate(self):
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.coursedir.db_url, self.coursedir.course_id) as gb:
            try:
                return gb.find_assignment(self.coursedir.assignment_id).duedate
            except MissingEntry:
                return None

    def copy_files(self):
        """nbgrader's choice of what to collect (``--update``, ``--before-duedate``), each
        written by ``take_entry``."""
        assignment = self.coursedir.assignment_id
        if not self.src_records:
            self.log.warning(f"No submissions of '{assignment}' to collect")
        for record in self.src_records:
            student = record["username"]
            dest = self.coursedir.format_path(
                self.coursedir.submitted_directory, student, assignment
            )
            if os.path.isdir(dest) and not os.path.islink(dest):
                existing = self.coursedir.get_existing_timestamp(dest)
                newer = existing is None or record["timestamp"] > existing
                if not (
                    (self.update and newer)
                    or (self.before_duedate and existing != record["timestamp"])
                ):
                    self.log.info("No newer submission to collect: %s %s", student, assignment)
                    continue
            self.log.info("Collecting submission: %s %s", student, assignment)
            self.take_entry(record, dest)

    def take_entry(self, record, dest):
        """Write the inbound entry of ``record`` into ``dest`` through the intake (atomically:
        a refused or failed entry leaves what was there)."""
        student = record["username"]
        src = os.path.join(self.inbound_path, record["filename"])
        parent = os.path.dirname(dest)
        os.makedirs(parent, exist_ok=True)
        building = tempfile.mkdtemp(prefix=".collecting-", dir=parent)
        tree = os.path.join(building, "tree")
        course_root = self.coursedir.root
        reason_file = intake.refusal_path(
            os.path.join(course_root, "intake"), student, self.coursedir.assignment_id, "collect"
        )  # the folder CourseAutograde builds in (its default)
        try:
            submission = intake.read_submission(src, self.coursedir.assignment_id)
            submission.timestamp = record["timestamp"]  # what collect compares, from the name
            intake.write_tree(submission, tree, self.coursedir.assignment_id)
            old = None
            if os.path.lexists(dest):
                old = os.path.join(building, "old")
                os.rename(dest, old)
            os.rename(tree, dest)
            if os.path.lexists(reason_file):
                os.remove(reason_file)
            for note in submission.notes:
                self.log.warning("%s: %s", student, note)
        except intake.Refused as refused:
            outcome = intake.Outcome(student, self.coursedir.assignment_id, str(refused))
            flags.report_refusal(self.log, outcome)
            os.makedirs(os.path.dirname(reason_file), exist_ok=True)
            with open(reason_file, "w", encoding="utf-8") as f:
                f.write(f"at collect: {refused}\n")
        finally:
            shutil.rmtree(building, ignore_errors=True)
            if not os.listdir(parent):  # nothing was ever collected for this student
                os.rmdir(parent)
