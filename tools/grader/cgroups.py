"""Memory and process limits per sandbox: one cgroup for each sandbox and all it starts.

The rlimits of ``sandbox.Limits`` apply per process: a fork bomb gets ``processes`` processes
of ``address_space`` each, and memory no process maps (a memfd written to, SysV or POSIX
shared memory, files on a tmpfs) counts against no rlimit at all. A cgroup's memory limit
counts all of it (the kernel charges shared memory and tmpfs pages to the group of the process
that wrote them), and its process limit counts every thread of every process in the group.

``create(memory, pids)`` makes a group and returns a ``Group``: its ``procs_files`` are where a
process writes its own id to enter it (``sandbox.command`` puts a small shell at the start of
the command line that does so, then execs bubblewrap: the group holds the sandbox before any
student code runs, and every process the sandbox starts is born in it). ``Group.remove()``
kills whatever is left in it and deletes it; the caller calls it once the sandbox has ended.
The empty groups of a grader killed before it could remove them are deleted by the next one
(the maker's process id is in the group's name).

Which cgroups, found at run time (``available()``):

- ``"v2"``, the unified hierarchy (current servers, systemd): a group with ``memory.max``,
  ``memory.swap.max`` 0, ``memory.oom.group`` 1 (out of memory, the whole sandbox is killed)
  and ``pids.max``. It is made below our own cgroup when that one hands the memory and pids
  controllers down (``cgroup.subtree_control``; a delegated, otherwise empty group), else below
  ``/sys/fs/cgroup/lrgrade`` (as root; the folder stays, empty, for the next grading).
- ``"v1"``, the legacy hierarchies (one per controller, as on the machine this was written
  on): a group below our own in the memory hierarchy (``memory.limit_in_bytes``, and
  ``memory.memsw.limit_in_bytes`` where swap is accounted: no swapping out past the limit)
  and one in the pids hierarchy (``pids.max``). Out of memory, the kernel kills the largest
  process of the group.
- ``None``: no cgroup we may write to (grading as an account without root and without a
  delegated cgroup). Grading still runs, with the per-process rlimits only; this is logged
  once. ``create`` then returns None.
"""

import contextlib
import errno
import logging
import os
import secrets
import signal
import time

PREFIX = "lrgrade"  # the name of every group made here starts with it
CONTROLLERS = ("memory", "pids")
PROCS = "cgroup.procs"
# remove(): how long to wait for processes still ending, in pauses from the first, doubling up
# to the longest (killed processes leave the group within a millisecond or two, mostly).
REMOVE_SECONDS = 5.0
REMOVE_PAUSES = (0.0005, 0.01)

log = logging.getLogger(__name__)
_found = {}  # the backend found once: {"backend": _V2 | _V1 | None}


def _write(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def _read(path):
    with open(path) as f:
        return f.read()


def _unescape(field):
    """A path of /proc/self/mountinfo (spaces and the like are written as octal escapes)."""
    return field.encode().decode("unicode_escape")


def _mounts():
    """(mount point, root in the hierarchy, file system type, super options) of each mount."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            before, _, after = line.partition(" - ")
            fields, tail = before.split(), after.split()
            if len(fields) >= 5 and len(tail) >= 3:
                yield _unescape(fields[4]), _unescape(fields[3]), tail[0], tail[2].split(",")


def _own_paths():
    """{controller name or "" for v2: our cgroup's path} from /proc/self/cgroup."""
    out = {}
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, names, path = line.rstrip("\n").split(":", 2)
            for name in names.split(",") if names else [""]:
                out[name] = path
    return out


def _folder(mount_point, root, path):
    """The folder of the cgroup ``path`` in a hierarchy mounted at ``mount_point``."""
    rel = os.path.relpath(path, root)
    if rel == ".." or rel.startswith("../"):
        raise OSError(errno.ENOENT, f"our cgroup {path} is outside the mount of {root}")
    return os.path.normpath(os.path.join(mount_point, rel))


def _new_name():
    return f"{PREFIX}-{os.getpid()}-{secrets.token_hex(4)}"


def _made_here(parent):
    """The folders of the groups this process made in ``parent`` that are still there."""
    mine = f"{PREFIX}-{os.getpid()}-"
    return sorted(os.path.join(parent, n) for n in os.listdir(parent) if n.startswith(mine))


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


def _sweep(parent):
    """Delete the groups in ``parent`` left by a grader that ended without removing them
    (killed): the empty ones whose maker is gone (a group with processes cannot be deleted)."""
    for name in os.listdir(parent):
        fields = name.split("-")
        ours = len(fields) == 3 and fields[0] == PREFIX and fields[1].isdigit()
        if ours and not _alive(int(fields[1])):
            with contextlib.suppress(OSError):
                os.rmdir(os.path.join(parent, name))


def _try_child(parent):
    """Make and delete a child of ``parent``: OSError unless we may make groups there."""
    child = os.path.join(parent, _new_name())
    os.mkdir(child)
    os.rmdir(child)


class Group:
    """One sandbox's cgroup: one folder (v2) or one per controller (v1)."""

    def __init__(self, version, folders):
        self.version = version
        self.folders = tuple(folders)

    @property
    def procs_files(self):
        """The files a process writes its id to, to enter the group (in each hierarchy)."""
        return [os.path.join(folder, PROCS) for folder in self.folders]

    def pids(self):
        """The processes in the group now (in any of its folders)."""
        out = set()
        for path in self.procs_files:
            with contextlib.suppress(FileNotFoundError):
                out.update(int(pid) for pid in _read(path).split())
        return out

    def exists(self):
        return any(os.path.isdir(folder) for folder in self.folders)

    def kill(self):
        """SIGKILL every process in the group (v2: at once, through ``cgroup.kill``)."""
        kill_file = os.path.join(self.folders[0], "cgroup.kill")
        if self.version == "v2" and os.path.exists(kill_file):
            try:
                _write(kill_file, 1)
                return
            except OSError:
                pass
        for pid in self.pids():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)

    def remove(self):
        """Kill what is left in the group and delete it (again: nothing happens).

        Killed processes take a moment to leave the group (a pid namespace's last processes
        end after its init): looked at again for up to REMOVE_SECONDS.
        A group that will not go is logged, never raised: grading goes on.
        """
        pause, deadline = REMOVE_PAUSES[0], time.monotonic() + REMOVE_SECONDS
        while time.monotonic() < deadline:
            self.kill()
            if not self.pids():
                try:
                    for folder in self.folders:
                        if os.path.isdir(folder):
                            os.rmdir(folder)
                    return
                except OSError as exc:
                    if exc.errno != errno.EBUSY:
                        raise
            time.sleep(pause)
            pause = min(2 * pause, REMOVE_PAUSES[1])
        log.warning("cgroup %s not removed: processes %s are still in it", self, self.pids())

    def __repr__(self):
        return f"Group({self.version!r}, {list(self.folders)!r})"


class _V2:
    """The unified hierarchy: one folder with both controllers."""

    version = "v2"

    def __init__(self, mount_point, root, own):
        controllers = _read(os.path.join(mount_point, "cgroup.controllers")).split()
        missing = [c for c in CONTROLLERS if c not in controllers]
        if missing:
            raise OSError(errno.ENOENT, f"the cgroup2 hierarchy has no {' or '.join(missing)}")
        errors = []
        for parent in (_folder(mount_point, root, own), os.path.join(mount_point, PREFIX)):
            try:
                if parent == os.path.join(mount_point, PREFIX):
                    self._hand_down(mount_point)
                    os.makedirs(parent, exist_ok=True)
                self._hand_down(parent)
                _try_child(parent)
                _sweep(parent)
                self.parent = parent
                return
            except OSError as exc:
                errors.append(f"{parent}: {exc.strerror or exc}")
        raise OSError(errno.EACCES, "; ".join(errors))

    @staticmethod
    def _hand_down(folder):
        """Let the children of ``folder`` have the memory and pids controllers."""
        control = os.path.join(folder, "cgroup.subtree_control")
        if not set(CONTROLLERS) <= set(_read(control).split()):
            _write(control, " ".join(f"+{c}" for c in CONTROLLERS))

    def made_here(self):
        return _made_here(self.parent)

    def create(self, memory, pids):
        folder = os.path.join(self.parent, _new_name())
        os.mkdir(folder)
        group = Group(self.version, [folder])
        try:
            _write(os.path.join(folder, "memory.max"), memory)
            for name, value in (("memory.swap.max", 0), ("memory.oom.group", 1)):
                if os.path.exists(os.path.join(folder, name)):
                    _write(os.path.join(folder, name), value)
            _write(os.path.join(folder, "pids.max"), pids)
        except BaseException:
            group.remove()
            raise
        return group


class _V1:
    """The legacy hierarchies: a memory one and a pids one, each with a folder of ours."""

    version = "v1"

    def __init__(self, mounts, own):
        self.parents = {}
        for controller in CONTROLLERS:
            found = [(m, r) for m, r, fs, opts in mounts if fs == "cgroup" and controller in opts]
            if not found or controller not in own:
                raise OSError(errno.ENOENT, f"no cgroup v1 {controller} hierarchy")
            parent = _folder(*found[0], own[controller])
            _try_child(parent)
            _sweep(parent)
            self.parents[controller] = parent

    def made_here(self):
        return [f for parent in self.parents.values() for f in _made_here(parent)]

    def create(self, memory, pids):
        name = _new_name()
        folders = [os.path.join(self.parents[c], name) for c in CONTROLLERS]
        group = Group(self.version, [])
        try:
            for folder in folders:
                os.mkdir(folder)
                group.folders += (folder,)
            memory_folder, pids_folder = folders
            _write(os.path.join(memory_folder, "memory.limit_in_bytes"), memory)
            memsw = os.path.join(memory_folder, "memory.memsw.limit_in_bytes")
            if os.path.exists(memsw):
                _write(memsw, memory)
            _write(os.path.join(pids_folder, "pids.max"), pids)
        except BaseException:
            group.remove()
            raise
        return group


def _detect():
    """The backend we may make groups with, or None and why not."""
    mounts = list(_mounts())
    own = _own_paths()
    reasons = []
    v2 = [(m, r) for m, r, fs, _ in mounts if fs == "cgroup2"]
    for mount_point, root in v2:
        if "" in own:
            try:
                return _V2(mount_point, root, own[""]), None
            except OSError as exc:
                reasons.append(f"cgroup v2 at {mount_point}: {exc.strerror or exc}")
    try:
        return _V1(mounts, own), None
    except OSError as exc:
        reasons.append(f"cgroup v1: {exc.strerror or exc}")
    return None, "; ".join(reasons) or "no cgroup file system"


def _backend():
    if "backend" not in _found:
        backend, reason = _detect()
        _found["backend"] = backend
        if backend is None:
            log.warning(
                "per-sandbox memory and process limits are off (%s): the sandboxes run with "
                "their per-process limits only",
                reason,
            )
    return _found["backend"]


def available():
    """Which cgroups make the per-sandbox groups: "v2", "v1" or None (see the docstring)."""
    backend = _backend()
    return None if backend is None else backend.version


def made_here():
    """The folders of the groups this process made that are still there (none once every
    sandbox has ended and been cleaned up)."""
    backend = _backend()
    return [] if backend is None else backend.made_here()


def create(memory, pids):
    """A new group limited to ``memory`` bytes and ``pids`` tasks (threads count), or None
    when no cgroup is available (logged once)."""
    backend = _backend()
    return None if backend is None else backend.create(memory, pids)
