"""Build the Jupyter Book strictly and offline: ``.venv/bin/python -m tools.book.build``.

Steps:

1. Vendor MathJax for node (``mathjax-full``, pinned in ``tools.vendor``) from npm into
   ``<root>/_build/.vendor`` and lay out its fonts in ``<root>/_build/.vendor/static``, which
   Sphinx copies into ``_static``. A stamp file makes this a no-op when the pinned version is
   already in place (the npm registry is only needed once).
2. Run ``jupyter-book build <root> -n -W --keep-going`` (nitpicky, warnings are errors) with the
   repository root on the kernels' ``PYTHONPATH``: the pages import ``exercise_code``, which is
   deliberately not installed into ``.venv``.
3. After a clean build: typeset every formula into static HTML (``tools.book.math``; the pages
   load no MathJax script), swap the theme's 1.5 MB icon bundle for the few icons the pages use
   (``tools.book.icons``) and zip the committed student release ``release/ex04`` into
   ``_downloads/ex04.zip``. (``tools.book.notebooks``, a Sphinx extension, writes each
   executable page as ``.ipynb``.)

Nothing is loaded from a CDN, at build time or at read time. The exit status is non-zero if
vendoring or the build fails (including any warning).
"""

from __future__ import annotations

import argparse
import filecmp
import os
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import yaml

from tools.book.icons import subset_icons
from tools.book.layout import fix_pages
from tools.book.math import render_pages
from tools.vendor import REPO_ROOT, ensure_vendor, node_modules


def build_command(root: Path, path_output: Path | None) -> list[str]:
    """The strict jupyter-book command line."""
    jb = Path(sys.executable).with_name("jupyter-book")
    cmd = [str(jb), "build", str(root), "--builder", "html", "-n", "-W", "--keep-going"]
    if path_output is not None:
        cmd += ["--path-output", str(path_output)]
    return cmd


def build_env(root: Path) -> dict[str, str]:
    """Environment for the build: the kernels must import ``exercise_code`` from ``root``."""
    env = dict(os.environ)
    parts = [str(root)] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    env["PYTHONPATH"] = os.pathsep.join(parts)
    # Headless matplotlib in the kernels, whatever the caller's display.
    env.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    return env


def sync_static(root: Path, html_dir: Path) -> int:
    """Copy changed files of ``html_static_path`` into ``<html>/_static``; returns the count.

    Sphinx copies static files only when it writes at least one page: after an edit to
    ``book/_static/book.css`` alone (or a new vendored MathJax) an incremental build reports
    "no targets are out of date" and leaves the old copies in place.
    """
    config = yaml.safe_load((root / "_config.yml").read_text())
    entries = config.get("sphinx", {}).get("config", {}).get("html_static_path", [])
    copied = 0
    for entry in entries:
        src_root = root / entry
        for src in src_root.rglob("*"):
            rel = src.relative_to(src_root)
            if src.is_dir() or any(part.startswith(".") for part in rel.parts):
                continue
            dest = html_dir / "_static" / rel
            if dest.is_file() and filecmp.cmp(src, dest, shallow=False):
                continue
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, dest)
            copied += 1
    return copied


# The student release, downloadable from the book as one archive (see book/run_locally.md).
RELEASE = Path("release") / "ex04"
RELEASE_ARCHIVE = Path("_downloads") / "ex04.zip"


def write_release_archive(root: Path, html_dir: Path) -> Path:
    """Zip the committed ``release/ex04`` (never ``source/``) into ``<html>/_downloads``.

    The archive holds the folder ``ex04/`` with every file of the release, in sorted order and
    with a fixed timestamp, so that an unchanged release gives the same bytes.
    """
    release = root / RELEASE
    if not (release / "logistic_regression.ipynb").is_file():
        raise SystemExit(f"book: no student release at {release}: run `make release`")
    dest = html_dir / RELEASE_ARCHIVE
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for path in sorted(release.rglob("*")):
            rel = path.relative_to(release)
            if path.is_dir() or "__pycache__" in rel.parts or path.suffix == ".pyc":
                continue
            info = zipfile.ZipInfo(f"{release.name}/{rel.as_posix()}", (2026, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, path.read_bytes())
    tmp.replace(dest)
    return dest


def build(root: Path = REPO_ROOT, path_output: Path | None = None, quiet: bool = False) -> int:
    """Vendor, then build the book. Returns jupyter-book's exit status (0 = clean build)."""
    ensure_vendor(root, quiet=quiet)
    cmd = build_command(root, path_output)
    out = subprocess.DEVNULL if quiet else None
    status = subprocess.run(cmd, cwd=root, env=build_env(root), stdout=out, check=False)
    if status.returncode == 0:
        html_dir = (path_output or root) / "_build" / "html"
        sync_static(root, html_dir)
        render_pages(html_dir, node_modules(root))
        subset_icons(html_dir)
        fix_pages(html_dir)
        write_release_archive(root, html_dir)
        # GitHub Pages would run Jekyll, which drops folders starting with "_" (_static).
        (html_dir / ".nojekyll").touch()
    return status.returncode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--root", type=Path, default=REPO_ROOT, help="book root (with _config.yml, _toc.yml)"
    )
    parser.add_argument(
        "--path-output",
        type=Path,
        default=None,
        help="output parent folder (the html goes to <path-output>/_build/html); "
        "default: the book root",
    )
    args = parser.parse_args(argv)
    root = args.root.resolve()
    start = time.perf_counter()
    status = build(root, args.path_output.resolve() if args.path_output else None)
    elapsed = time.perf_counter() - start
    where = (args.path_output or root) / "_build" / "html"
    if status:
        print(f"book: FAILED (exit {status}) after {elapsed:.1f} s", file=sys.stderr)
    else:
        print(f"book: built {where} in {elapsed:.1f} s (strict: -n -W)")
    return status


if __name__ == "__main__":
    sys.exit(main())
