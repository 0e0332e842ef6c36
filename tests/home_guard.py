"""What the test suite may not do: change anything in the user's home folder.

nbgrader, Jupyter, IPython, matplotlib and Chromium all keep state under ``$HOME`` (nbgrader's
submission cache would list a "Submitted ex04" in that user's *Assignments* tab). The suite
therefore runs with a home of its own (``tests/conftest.py``), and compares a snapshot of the
real home before and after.
"""

import os

# Toolchains and package caches the suite never installs into; walking them (a few hundred
# thousand files) would cost seconds for nothing.
SKIPPED = (".pyenv", ".rustup", ".cargo", ".cache/uv", ".cache/pip", ".npm")

# Where each program keeps its state: every one points into the suite's own home.
STATE_DIRS = {
    "XDG_CONFIG_HOME": ".config",
    "XDG_CACHE_HOME": ".cache",
    "XDG_DATA_HOME": ".local/share",
    "JUPYTER_CONFIG_DIR": ".jupyter",
    "JUPYTER_DATA_DIR": ".local/share/jupyter",
    "JUPYTER_RUNTIME_DIR": ".local/share/jupyter/runtime",
    "IPYTHONDIR": ".ipython",
    "MPLCONFIGDIR": ".config/matplotlib",
    # Not the home's, but the working tree's: hypothesis writes .hypothesis/ into the cwd.
    "HYPOTHESIS_STORAGE_DIRECTORY": ".hypothesis",
}


def isolate_home(home):
    """Point ``HOME`` and every state folder of ``STATE_DIRS`` at ``home`` (in os.environ).

    npm's user configuration (the registry to use) stays readable where it is.
    """
    real_npmrc = os.path.join(os.path.expanduser("~"), ".npmrc")
    if os.path.isfile(real_npmrc):
        os.environ.setdefault("NPM_CONFIG_USERCONFIG", real_npmrc)
    os.environ["HOME"] = home
    for var, rel in STATE_DIRS.items():
        os.environ[var] = os.path.join(home, rel)
        os.makedirs(os.environ[var], exist_ok=True)


def snapshot(home, skipped=SKIPPED):
    """{relative path: (size, mtime_ns)} of everything below ``home`` but ``skipped``."""
    entries = {}
    skip = {os.path.join(home, s) for s in skipped}
    for dirpath, dirnames, filenames in os.walk(home):
        dirnames[:] = [d for d in dirnames if os.path.join(dirpath, d) not in skip]
        for name in dirnames + filenames:
            path = os.path.join(dirpath, name)
            try:
                st = os.lstat(path)
            except OSError:
                continue  # removed meanwhile
            size = st.st_size if not os.path.isdir(path) else 0
            entries[os.path.relpath(path, home)] = (size, st.st_mtime_ns)
    return entries


def changes(before, after):
    """Sorted lines 'added/removed/changed <path>' between two snapshots."""
    lines = [f"added {p}" for p in after.keys() - before.keys()]
    lines += [f"removed {p}" for p in before.keys() - after.keys()]
    lines += [f"changed {p}" for p in before.keys() & after.keys() if before[p] != after[p]]
    return sorted(lines)
