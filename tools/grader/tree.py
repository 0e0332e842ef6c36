"""The tree a probe runs in: the course's release, the submission's four files, the probe.

``build_tree(folder, dest)`` writes it: every file of the released assignment but the notebook
(the stubs of the student files among them), the submission's four student files in place of
their stubs where each is a regular file reached through no link, and the probe's own modules
(``probe.py`` and ``protocol.py`` of this package) as the package ``PROBE_PACKAGE``. Nothing
else of the submission is ever read: no extra module, no ``numpy.py``, nothing under the
probe's package name, which is no file of the release and so none a submission can supply.
The release itself carries no grading machinery beyond the notebook's own checks.
"""

import os
import shutil

from tools.course import ASSIGNMENT

from . import oracles
from .oracles import reference

# The probe's package in the tree (``python -s -E -m _grader.probe``), and its modules.
PROBE_PACKAGE = "_grader"
PROBE_MODULE = f"{PROBE_PACKAGE}.probe"
PROBE_FILES = ("probe.py", "protocol.py")
_HERE = os.path.dirname(os.path.abspath(__file__))
_PROBE_INIT = '"""The grader\'s probe, copied here by tools/grader/tree.py (see probe.py)."""\n'


def release_files(assignment):
    """Relative paths of every file of the released assignment."""
    base = os.path.join(oracles.ROOT, "release", assignment)
    found = set()
    for dirpath, dirnames, filenames in os.walk(base):
        dirnames[:] = [d for d in dirnames if d not in ("__pycache__", ".ipynb_checkpoints")]
        found.update(os.path.relpath(os.path.join(dirpath, f), base) for f in filenames)
    return found


def regular_file_in(folder, rel):
    """Whether ``folder/rel`` is a regular file reached through no symbolic link."""
    path = folder
    for part in rel.split(os.sep):
        path = os.path.join(path, part)
        if os.path.islink(path):
            return False
    return os.path.isfile(path)


def build_tree(folder, dest):
    """The files the probe may import: the course's release, with the student's files from
    ``folder`` (a submission) in place of the stubs, and the probe's package. Returns
    ``dest``."""
    release = os.path.join(oracles.ROOT, "release", ASSIGNMENT)
    student_files = reference().grading.STUDENT_FILES
    for rel in sorted(release_files(ASSIGNMENT)):
        if rel.endswith(".ipynb"):
            continue
        # A student file from the submission if it is there as a regular file reached through
        # no link (a link could point at the instructor's solution); else the release's, a stub.
        if rel in student_files and regular_file_in(folder, rel):
            source = os.path.join(folder, rel)
        else:
            source = os.path.join(release, rel)
        os.makedirs(os.path.join(dest, os.path.dirname(rel)), exist_ok=True)
        shutil.copyfile(source, os.path.join(dest, rel))
    package = os.path.join(dest, PROBE_PACKAGE)
    os.makedirs(package)
    with open(os.path.join(package, "__init__.py"), "w", encoding="utf-8") as f:
        f.write(_PROBE_INIT)
    for name in PROBE_FILES:
        shutil.copyfile(os.path.join(_HERE, name), os.path.join(package, name))
    for dirpath, _, filenames in os.walk(dest):
        os.chmod(dirpath, 0o755)
        for name in filenames:
            os.chmod(os.path.join(dirpath, name), 0o644)
    return dest
