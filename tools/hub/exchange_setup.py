"""Make (or repair) a course's nbgrader exchange on a shared machine. Run by root, once per
course; running it again changes nothing that is right. Standard library only:

    python3 tools/hub/exchange_setup.py --root /srv/nbgrader/exchange \\
        --course logistic-regression --group ex04-instructors --instructor alice [--instructor bob]

What it makes (owner:group mode), and why:

- ``<root>``, root:root 0755: everyone enters it and lists the courses; nobody but root
  renames or deletes a course (nbgrader would make it 0777, and any student could: #1225).
- ``<root>/<course>``, instructor:group 0755: only the instructor changes it.
- ``outbound``, instructor:group 0755: students read the released assignments; only the
  instructor releases.
- ``inbound``, instructor:group 3733: students create entries (write and enter) but cannot
  list it, and its sticky bit keeps them from renaming or deleting an entry not theirs. Its
  set-group-id bit hands the course group down to every entry, which the course's submit
  (``course_exchange.CourseSubmit``) closes to everyone else: folders 0770, files 0640 (#978).
- ``feedback``, instructor:group 0711: students enter it but cannot list it; each feedback
  file is the instructor's with an access ACL for its student's account
  (``course_exchange.CourseReleaseFeedback``: #1202).

The group (made if missing) holds the course's instructors, and no student: it is how an
instructor's collect reads the entries students own. An account added to it must log in again
(start a new server) to be in it.
"""

import argparse
import grp
import os
import pwd
import stat
import subprocess
import sys

# (folder below the course, mode): the course's folder itself is "".
LAYOUT = (("", 0o755), ("outbound", 0o755), ("inbound", 0o3733), ("feedback", 0o711))
ROOT_MODE = 0o755


def ensure_group(group, members):
    """The group ``group`` exists and has ``members`` (account names) among its members."""
    try:
        grp.getgrnam(group)
    except KeyError:
        subprocess.run(["groupadd", group], check=True)
    for name in members:
        if name not in grp.getgrnam(group).gr_mem:
            subprocess.run(["gpasswd", "-a", name, group], check=True, capture_output=True)


def ensure_folder(path, uid, gid, mode):
    """``path`` is a folder (never a link), owned by uid:gid, with exactly ``mode``."""
    if not os.path.lexists(path):
        os.mkdir(path, 0o700)
    info = os.lstat(path)
    if not stat.S_ISDIR(info.st_mode):
        raise SystemExit(f"{path} is not a folder (a link or a file): remove it first")
    if (info.st_uid, info.st_gid) != (uid, gid):
        os.chown(path, uid, gid, follow_symlinks=False)
    if stat.S_IMODE(info.st_mode) != mode:
        os.chmod(path, mode)  # after chown, which clears set-group-id


def setup(root, course, instructors, group):
    """Make the exchange ``root`` and the course's folders in it. Returns {path: mode}."""
    if os.geteuid() != 0:
        raise SystemExit(
            "run as root: the exchange's root and folders belong to root and the instructor"
        )
    for name in instructors:
        if pwd.getpwnam(name).pw_uid == 0:
            raise SystemExit(f"{name} is root: an instructor is an account of their own")
    ensure_group(group, instructors)
    gid = grp.getgrnam(group).gr_gid
    owner = pwd.getpwnam(instructors[0]).pw_uid
    parent = os.path.dirname(os.path.abspath(root))
    os.makedirs(parent, mode=0o755, exist_ok=True)
    ensure_folder(root, 0, 0, ROOT_MODE)
    made = {root: ROOT_MODE}
    for rel, mode in LAYOUT:
        path = os.path.join(root, course, rel) if rel else os.path.join(root, course)
        ensure_folder(path, owner, gid, mode)
        made[path] = mode
    return made


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", required=True, help="the exchange (NBGRADER_EXCHANGE)")
    parser.add_argument("--course", required=True, help="the course id")
    parser.add_argument("--group", required=True, help="the course's group (its instructors)")
    parser.add_argument(
        "--instructor",
        action="append",
        required=True,
        help="an instructor's account (the first owns the course's folders); repeatable",
    )
    args = parser.parse_args(argv)
    made = setup(os.path.abspath(args.root), args.course, args.instructor, args.group)
    for path in made:
        info = os.stat(path)
        user, group = pwd.getpwuid(info.st_uid).pw_name, grp.getgrgid(info.st_gid).gr_name
        print(f"{stat.S_IMODE(info.st_mode):04o} {user}:{group} {path}")


if __name__ == "__main__":
    sys.exit(main())
