"""The course's tools, for instructors and CI (never shipped to students), in layers.

A layer imports only the layers below it (``make lint`` checks it: ``.importlinter``)::

    book/   grader/   tour/     the book's build | grading, its commands, flags | the tour
    release/                    the student release (the grader's release hook uses it)
    vendor/  nbgrader_env  local_server  chromium
                                npm packages and the MathJax driver | how nbgrader is run |
                                processes on 127.0.0.1 | the tests' browser
    course                      the course's names (imports nothing)

``hub/`` holds JupyterHub's settings and ``ipython_kernel_config.py`` the kernels' (files
read by those programs, not modules).
"""
