"""nbgrader settings of every instructor's server (JupyterHub puts this folder on its
``JUPYTER_CONFIG_PATH``; see tools/hub/jupyterhub_config.py). Settings only.

The course's own ``nbgrader_config.py`` (the repository, cloned into ``~/course``) holds every
grading setting; the formgrader needs the course inside the server's root folder (the home).
"""

import os

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

COURSE = os.path.expanduser("~/course")
if not os.path.isfile(os.path.join(COURSE, "nbgrader_config.py")):
    raise FileNotFoundError(f"the course is not in {COURSE}: clone the repository there")
load_subconfig(os.path.join(COURSE, "nbgrader_config.py"))  # noqa: F821  (traitlets)

# The exchange every server shares (the hub names it); without it nbgrader would release to
# a system-wide default folder and report success.
c.Exchange.root = os.environ["NBGRADER_EXCHANGE"]
# Every server of this trial runs as one OS account, so the owner of an exchange entry cannot
# tell students apart and the course's collect would refuse every entry (tools/grader/collect.py).
# REAL DEPLOYMENT: one OS account per student, and this line removed.
c.ExchangeCollect.check_owner = False
