"""nbgrader settings of every student's server (JupyterHub puts this folder on its
``JUPYTER_CONFIG_PATH``; see tools/hub/jupyterhub_config.py). Settings only.
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# tools.course.COURSE_ID, written out: a student's server has no course to import it from
# (tests/hub/test_course_on_hub.py checks that the students see the instructor's course).
c.CourseDirectory.course_id = "logistic-regression"
# The exchange every server shares (the hub names it). Without this setting nbgrader uses a
# system-wide default folder, creating it if it can, and reports success.
c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]
# A submission is named after its JupyterHub user, which is the student's OS account (the
# hub's LocalProcessSpawner runs the server as the account of that name): the course's collect
# rejects an entry whose owner is not the student it names (tools/grader/collect.py).
c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
# The exchange's root belongs to root and a submission is closed to other students
# (tools/hub/course_exchange.py, beside this folder).
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import course_exchange  # noqa: E402

course_exchange.configure(c)
