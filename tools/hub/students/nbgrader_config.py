"""nbgrader settings of every student's server (JupyterHub puts this folder on its
``JUPYTER_CONFIG_PATH``; see tools/hub/jupyterhub_config.py). Settings only.
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

# tools.course.COURSE_ID, written out: a student's server has no course to import it from
# (tests/hub/test_course_on_hub.py checks that the students see the instructor's course).
c.CourseDirectory.course_id = "logistic-regression"
# The exchange every server shares (the hub names it). Without this setting nbgrader uses a
# system-wide default folder, creating it if it can, and reports success.
c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]
# A submission is named after its JupyterHub user. Without this, nbgrader names it after the
# OS user, which is one and the same for every student when all servers run as one account
# (and collect then warns "cheating attempt?" about every submission).
c.CourseDirectory.student_id = os.environ["JUPYTERHUB_USER"]
