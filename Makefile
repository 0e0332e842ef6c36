# Entry points. `make` sets up .venv, builds the book and the student release and installs
# JupyterHub's proxy; `make test` lints and runs the whole test suite. Both work on a fresh
# machine.
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PY := .venv/bin/python
VENV_STAMP := .venv/.installed
KERNEL_CONFIG := .venv/etc/ipython/ipython_kernel_config.py
# INSTALLER=pip forces plain pip (slower, ~80 s); by default uv is used (~15 s).
INSTALLER ?= uv

.PHONY: all venv book release hub test lint format browser sandbox postgres npm bench screenshots clean

all: book release hub

venv: $(VENV_STAMP) $(KERNEL_CONFIG)

# exercise_code is deliberately *not* installed into .venv: a notebook must import the copy
# beside it (a student's, when grading), never an installed instructor copy. The book build
# and pytest put the repository root on the path themselves.
#
# The lock is complete (every package, pinned) and installed with --no-deps, so that what it
# leaves out stays out: jsonschema's optional rfc3987-syntax (and its lark), which jupyter-events
# pulls in through jsonschema[format-nongpl]. Importing it builds a grammar at import time,
# 2.3 s of every nbgrader command; jsonschema imports it only if present and skips the IRI
# formats otherwise, which nothing here validates. The lock's header has the command that
# compiles it without them; a venv made before is cleaned of them (UNWANTED).
UNWANTED := rfc3987-syntax lark
$(VENV_STAMP): requirements.lock pyproject.toml
	python3 -m venv .venv
	if [ "$(INSTALLER)" = pip ]; then \
	  .venv/bin/pip install -q --no-deps -r requirements.lock && \
	  .venv/bin/pip uninstall -q -y $(UNWANTED) 2>/dev/null ; \
	else \
	  .venv/bin/pip install -q uv==0.13.8 && \
	  .venv/bin/uv pip install -q --no-deps --compile-bytecode -p $(PY) -r requirements.lock && \
	  .venv/bin/uv pip uninstall -q -p $(PY) $(UNWANTED) ; \
	fi
	touch $@

# Read by every kernel started from the venv (tools/ipython_kernel_config.py says why).
$(KERNEL_CONFIG): tools/ipython_kernel_config.py $(VENV_STAMP)
	install -D -m 644 $< $@

book: venv npm
	$(PY) -m tools.book.build

# npm fetches MathJax (for node, to typeset at build time) once, and axe-core for the
# browser test; the book is then built and served offline.
npm:
	command -v npm >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; }

release: venv
	$(PY) -m tools.release.generate

# JupyterHub's proxy (configurable-http-proxy) from npm, at the version pinned with its whole
# tree in tools/hub/package-lock.json, into a project folder (never a global install).
# JupyterHub itself is pinned in requirements.lock; tools/hub/ holds the hub's settings.
HUB_VENDOR := _build/.vendor/hub
HUB_STAMP := $(HUB_VENDOR)/.installed
# Every person's server runs as their own OS account, so it needs a Python every account can
# run: .venv's may live below a folder only root can enter (a pyenv in /root). The servers'
# venv is made from the system's /usr/bin/python3, with the same lock (tools/hub/README.md).
HUB_VENV := _build/.venv-hub
HUB_VENV_STAMP := $(HUB_VENV)/.installed
hub: venv npm sandbox $(HUB_STAMP) $(HUB_VENV_STAMP)

$(HUB_VENV_STAMP): requirements.lock tools/ipython_kernel_config.py $(VENV_STAMP)
	rm -rf $(HUB_VENV)
	if [ "$(INSTALLER)" = pip ]; then \
	  /usr/bin/python3 -m venv $(HUB_VENV) && \
	  $(HUB_VENV)/bin/pip install -q --no-deps -r requirements.lock && \
	  $(HUB_VENV)/bin/pip uninstall -q -y $(UNWANTED) 2>/dev/null ; \
	else \
	  .venv/bin/uv venv -q -p /usr/bin/python3 $(HUB_VENV) && \
	  .venv/bin/uv pip install -q --no-deps --compile-bytecode -p $(HUB_VENV)/bin/python \
	    -r requirements.lock && \
	  .venv/bin/uv pip uninstall -q -p $(HUB_VENV)/bin/python $(UNWANTED) ; \
	fi
	install -D -m 644 tools/ipython_kernel_config.py $(HUB_VENV)/etc/ipython/ipython_kernel_config.py
	chmod -R a+rX $(HUB_VENV)
	touch $@

$(HUB_STAMP): tools/hub/package.json tools/hub/package-lock.json
	rm -rf $(HUB_VENDOR) && mkdir -p $(HUB_VENDOR)
	cp tools/hub/package.json tools/hub/package-lock.json $(HUB_VENDOR)/
	npm ci --prefix $(HUB_VENDOR) --no-audit --no-fund --loglevel=error
	touch $@

# Debian's Chromium for the browser tests (never a browser that a tool downloads itself).
browser: venv npm
	command -v chromium >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	$(PY) -c "from tools.vendor import ensure_test_vendor; ensure_test_vendor()"

# Debian's bubblewrap: grading runs every student process in it (tools/grader/sandbox.py) and
# refuses to grade without it. prlimit and setpriv come with util-linux (always installed).
sandbox:
	command -v bwrap >/dev/null || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null; }

# Debian's PostgreSQL server for the tests of a PostgreSQL gradebook (tests/postgres.py starts
# a throwaway one through pytest-postgresql's pg_ctl executor; nothing here starts or
# configures Debian's own cluster). Debian keeps initdb, pg_ctl and postgres in
# /usr/lib/postgresql/<version>/bin, off PATH.
postgres:
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || \
	  { apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; }

# lint-imports checks the layers of tools/ (.importlinter): what may import what.
lint: venv
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports --no-cache

format: venv
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# The book is built first: the browser test reads _build/html. release/ is *not*
# regenerated here: a test regenerates it in a temporary folder and compares.
test: lint book browser sandbox postgres hub
	.venv/bin/pytest

# The screenshots of the instructors' page: the browser tour of the formgrader and the
# Assignments tab in a real JupyterLab (tools/tour/formgrader.py), run by its test; they are
# copied into book/images/formgrader only when every assertion of the tour passed.
TOUR_TMP := _build/tour
SCREENSHOTS := book/images/formgrader
screenshots: venv npm browser sandbox
	rm -rf $(TOUR_TMP)
	.venv/bin/pytest tests/nbgrader/test_formgrader_tour.py --basetemp=$(TOUR_TMP)
	rm -rf $(SCREENSHOTS) && mkdir -p $(SCREENSHOTS)
	cp $(TOUR_TMP)/tour/screenshots/*.png $(SCREENSHOTS)/

bench: venv sandbox postgres
	$(PY) benchmarks/bench_solver.py
	$(PY) benchmarks/bench_book_build.py
	$(PY) benchmarks/bench_startup.py --record
	$(PY) benchmarks/bench_autograde.py --record
	$(PY) benchmarks/bench_vs_plain.py --record
	$(PY) benchmarks/bench_report.py --students 2000 --record

clean:
	rm -rf _build .pytest_cache .hypothesis
