"""The class at a glance: one offline HTML report (and a CSV) of an assignment's grading.

    .venv/bin/python -m tools.report ex04 [--course-dir .] [--output-dir reports]

Read from what grading left, never from a submission:

- ``collect``  the gradebook (nbgrader's API, at the course's ``NBGRADER_DB_URL`` or its
               SQLite file), the verdict each graded cell of an autograded notebook holds
               (TrustedGrades wrote it), the flags and the intake's refusals
               (``tools.grader.flags.flagged``) and the submissions left without a grade
               (``tools.grader.grading_check.missing``): one ``Record`` per student.
- ``mistakes`` which of the grader's named mistakes (``messages.MISTAKES``, the hidden
               cases' texts) a failed verdict names: a key, never the verdict's text, which
               carries the student's own words (an exception's message, a line of code).
- ``render``   the score histogram, the pass rate of every part and check, the named mistakes
               with how many students made each, as static plots (matplotlib, Agg, PNG in
               ``data:`` URLs) and tables in one HTML file with no script and no link out,
               every student-controlled string escaped; and the CSV, one row per student.
"""
