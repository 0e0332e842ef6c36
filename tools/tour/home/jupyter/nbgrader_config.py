"""nbgrader settings of the tour's one machine (``tools/tour/formgrader.py`` copies this folder
to ``~/.jupyter``, which every nbgrader app of the server reads). Settings only.

One JupyterLab serves the instructor and one student: the course is ``~/course`` (where the
server starts, so the formgrader reads the course's own ``nbgrader_config.py``), the student's
assignments live in ``~/student``.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# Without it nbgrader silently creates a system-wide default exchange and reports success.
c.Exchange.root = os.path.expanduser("~/exchange")
# Where the Assignments tab fetches to; by default the server's working folder (the course).
c.Exchange.assignment_dir = os.path.expanduser("~/student")
# The tour shows a flagged submission in the formgrader, and only a notebook that is run when
# graded can raise a flag (the course's nbgrader_config.py, "NotebookRun").
c.NotebookRun.execute = True
# One OS account plays the instructor and every student here, so the owner of an exchange
# entry cannot tell students apart: the course's collect would refuse every other student.
c.ExchangeCollect.check_owner = False
