"""Time the strict book build: a clean build and an unchanged rebuild.

    .venv/bin/python benchmarks/bench_book_build.py [--root DIR] [--keep]

1. clean build: a fresh output folder and a fresh jupyter cache, so every page is executed
   (``tools.book.build`` with ``--path-output`` set to a new temporary folder);
2. unchanged rebuild: the same command again, nothing edited; Sphinx reads no page and
   myst-nb executes nothing. The target is under 15 s.

The vendored npm files (MathJax for node) are shared with ``make book`` and installed
before timing; their one-time install is timed separately when it happens. Prints seconds.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.book.build import build
from tools.vendor import REPO_ROOT, ensure_vendor

REBUILD_TARGET_S = 15.0


def _timed_build(root: Path, out: Path) -> float:
    start = time.perf_counter()
    status = build(root, out, quiet=True)
    elapsed = time.perf_counter() - start
    if status:
        raise SystemExit(
            f"build failed (exit {status}); run `.venv/bin/python -m tools.book.build "
            f"--path-output {out}` to see why"
        )
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=REPO_ROOT, help="book root")
    parser.add_argument("--keep", action="store_true", help="keep the temporary output folder")
    args = parser.parse_args()
    root = args.root.resolve()

    start = time.perf_counter()
    ensure_vendor(root, quiet=True)
    vendor_s = time.perf_counter() - start

    out = Path(tempfile.mkdtemp(prefix="bench_book_"))
    try:
        clean_s = _timed_build(root, out)
        rebuild_s = _timed_build(root, out)
    finally:
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
        else:
            print(f"output kept in {out / '_build'}")

    print(f"vendor check/install (npm):   {vendor_s:6.1f} s")
    print(f"clean build (fresh cache):    {clean_s:6.1f} s")
    verdict = "ok" if rebuild_s < REBUILD_TARGET_S else f"SLOWER than {REBUILD_TARGET_S:.0f} s"
    print(f"unchanged rebuild:            {rebuild_s:6.1f} s  ({verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
