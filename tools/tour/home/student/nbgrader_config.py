"""The student's own nbgrader setting, read where their Assignments tab works (``~/student``;
``tools/tour/formgrader.py``). Settings only.

Their name in the course. Without it nbgrader names a submission after the OS user, who here
is the instructor too (on JupyterHub it is the hub's user name: ``tools/hub/students``).
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

c.CourseDirectory.student_id = os.environ["COURSE_TOUR_STUDENT"]
