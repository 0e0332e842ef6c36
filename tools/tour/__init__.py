"""The formgrader tour: the whole assignment once through nbgrader's formgrader and a student's
Assignments tab in a real JupyterLab (``jupyterlab``) and Chromium, with screenshots for the
instructors' page (``make screenshots``; ``home/`` holds the tour's Jupyter settings)."""
