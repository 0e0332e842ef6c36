"""The npm packages the course vendors, pinned, into the gitignored ``_build/.vendor``.

- ``mathjax-full`` (MathJax for node): the book's formulas and the feedback's are typeset with
  it at build/feedback time by one driver, ``tools/vendor/mathjax.js`` (``tools.vendor.mathjax``);
  its CommonHTML fonts are laid out in ``_build/.vendor/static``, which Sphinx copies into the
  book's ``_static``.
- ``axe-core``, the accessibility checker of the browser tests (never published), in
  ``_build/.vendor/test``.

JupyterHub's proxy is vendored by the Makefile (``make hub``, from ``tools/hub/package-lock.json``).
The npm registry is needed once: a stamp makes each install a no-op when the pinned versions
are in place. Imports nothing of the project.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]

# Exact versions: a new MathJax must be a deliberate change. mathjax-full is MathJax for node:
# the book's and the feedback's formulas are typeset with it, so the pages need only its fonts.
NPM_PACKAGES = {
    "mathjax-full": "3.2.2",
}
# Used by the tests only (never copied into the html): the accessibility checker.
TEST_NPM_PACKAGES = {"axe-core": "4.10.3"}

# The MathJax fonts (CommonHTML, TeX, woff2), relative to the vendor's static folder (which
# Sphinx copies into _static); a page loads only the few it uses.
MATHJAX_FONTS = "vendor/mathjax/woff-v2"


def vendor_dir(root: Path) -> Path:
    """The gitignored folder holding the npm install and the static copies for ``root``."""
    return root / "_build" / ".vendor"


def node_modules(root: Path) -> Path:
    """The ``node_modules`` folder of the packages of ``NPM_PACKAGES`` for ``root``."""
    return vendor_dir(root) / "npm" / "node_modules"


def ensure_vendor(root: Path = REPO_ROOT, quiet: bool = False) -> Path:
    """Install the pinned npm packages (once) and lay out their browser files.

    Returns the static folder (``<root>/_build/.vendor/static``) whose ``vendor/`` subfolder
    Sphinx copies into ``_build/html/_static/vendor``.
    """
    vdir = vendor_dir(root)
    static = vdir / "static"
    stamp = vdir / "stamp.json"
    wanted = {"packages": NPM_PACKAGES, "layout": 4}
    expected = [static / MATHJAX_FONTS / "MathJax_Main-Regular.woff"]
    if stamp.is_file() and all(p.is_file() for p in expected):
        try:
            if json.loads(stamp.read_text()) == wanted:
                return static
        except json.JSONDecodeError:
            pass  # A torn stamp: reinstall below.

    modules = npm_install(vdir / "npm", NPM_PACKAGES, quiet)
    if static.exists():
        shutil.rmtree(static)
    fonts = modules / "mathjax-full" / "es5" / "output" / "chtml" / "fonts" / "woff-v2"
    shutil.copytree(fonts, static / MATHJAX_FONTS)
    stamp.write_text(json.dumps(wanted))
    return static


def npm_install(prefix: Path, packages: dict[str, str], quiet: bool = False) -> Path:
    """``npm install`` exact versions into ``prefix``; returns its ``node_modules`` folder."""
    npm = shutil.which("npm")
    if npm is None:
        raise SystemExit("vendor: npm is needed once to vendor " + ", ".join(packages))
    prefix.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}@{version}" for name, version in packages.items()]
    cmd = [npm, "install", "--no-audit", "--no-fund", "--no-save", "--no-package-lock"]
    cmd += ["--prefix", str(prefix), *specs]
    if not quiet:
        print("vendor: installing", " ".join(specs), flush=True)
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL if quiet else None)
    modules = prefix / "node_modules"
    for pkg, version in packages.items():
        got = json.loads((modules / pkg / "package.json").read_text())["version"]
        if got != version:
            raise SystemExit(f"vendor: npm installed {pkg}@{got}, wanted {version}")
    return modules


def ensure_test_vendor(root: Path = REPO_ROOT) -> Path:
    """axe-core for the browser test (never published); returns the path of ``axe.min.js``.

    Installed once from npm at the pinned version into ``<root>/_build/.vendor/test``; the
    browser test injects the file's text into each page (no request, no CDN).
    """
    prefix = vendor_dir(root) / "test"
    axe = prefix / "node_modules" / "axe-core" / "axe.min.js"
    package = prefix / "node_modules" / "axe-core" / "package.json"
    wanted = TEST_NPM_PACKAGES["axe-core"]
    if axe.is_file() and json.loads(package.read_text())["version"] == wanted:
        return axe
    npm_install(prefix, TEST_NPM_PACKAGES, quiet=True)
    return axe
