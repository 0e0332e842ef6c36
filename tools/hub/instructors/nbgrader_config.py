"""nbgrader settings of every instructor's server (JupyterHub puts this folder on its
``JUPYTER_CONFIG_PATH``; see tools/hub/jupyterhub_config.py). Settings only.

The course's own ``nbgrader_config.py`` (the repository, cloned into ``~/course``) holds every
grading setting; the formgrader needs the course inside the server's root folder (the home).
"""

import os
import sys

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

COURSE = os.path.expanduser("~/course")
if not os.path.isfile(os.path.join(COURSE, "nbgrader_config.py")):
    raise FileNotFoundError(f"the course is not in {COURSE}: clone the repository there")
load_subconfig(os.path.join(COURSE, "nbgrader_config.py"))  # noqa: F821  (traitlets)

# The exchange every server shares (the hub names it); without it nbgrader would release to
# a system-wide default folder and report success.
c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]
# The exchange's root belongs to root (tools/hub/exchange_setup.py); the course's collect
# (tools/grader/collect.py, set by the course) keeps checking that each entry is owned by the
# student it names: every student's server runs as the student's own OS account.
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
import course_exchange  # noqa: E402

course_exchange.configure(c)
