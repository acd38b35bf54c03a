# The PyTorch course. `make lab` to study, `make test` to check everything.
# Every target builds .venv with the pinned stack first if it is missing.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.course-installed
KERNEL := pytorch-course
PORT   ?= 8888
# Jupyter refuses to run as root (containers, CI) unless told it may.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

NOTEBOOK_DIRS := notebooks solutions exercises
# The .py twins of the lessons and solutions, linted like the rest of the code (exercises hold stubs).
TWINS = $(wildcard notebooks/zh/*.py notebooks/en/*.py solutions/zh/*.py solutions/en/*.py)
NBVAL_OPTS := --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600 \
              --nbval-kernel-startup-timeout=120 --durations=15
# Two workers (one per core); a notebook's cells share a kernel, so each file stays on one worker.
JOBS ?= 2
PARALLEL := $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadfile)
# Classroom pack. `make wheelhouse` downloads every wheel (Linux x86-64, WHEELHOUSE_PYTHONS) into
# wheelhouse/. When WHEELHOUSE names a folder, or wheelhouse/ is complete (it has WHEELHOUSE.md),
# the venv is installed from it with no network (--no-index). Otherwise pip uses its index:
# PyPI, or a mirror set in PIP_INDEX_URL / PIP_EXTRA_INDEX_URL, which pip reads from the
# environment itself; nothing in this Makefile sets or overrides them.
WHEELHOUSE ?= $(if $(wildcard wheelhouse/WHEELHOUSE.md),wheelhouse)
WHEELHOUSE_PYTHONS ?= 3.11 3.12
OFFLINE_FLAGS := $(if $(WHEELHOUSE),--no-index --find-links $(abspath $(WHEELHOUSE)))

.PHONY: help venv lab test test-portable test-unit test-gpu sync exercises doctor lint build clean ffmpeg \
        wheelhouse test-wheelhouse release book progress

help:
	@echo "make lab        open the course in JupyterLab (builds .venv on first use; LAB_LANG=zh: menus in Chinese)"
	@echo "make test       unit tests, invariants, strict nbval on notebooks/ and solutions/, lax on exercises/"
	@echo "make test-portable  strict notebooks again with the editions' CPU kernel settings swapped"
	@echo "make test-gpu   every notebook on a CUDA GPU (COURSE_REQUIRE_GPU=1, lax comparison)"
	@echo "make sync       pair every .ipynb with its .py twin (jupytext)"
	@echo "make exercises  regenerate exercises/ from solutions/ (CH=11_text: one chapter)"
	@echo "make doctor     check this machine and print how to fix problems"
	@echo "make progress   your exercises by chapter and the next one to do (COURSE_LANG=zh: in Chinese)"
	@echo "make build NB=notebooks/zh/01_what_is_pytorch.py   execute a notebook as the tests do"
	@echo "make clean      remove .venv and generated reports"
	@echo "make wheelhouse download every wheel into wheelhouse/ for offline installs (WHEELHOUSE_PYTHONS=\"3.11 3.12\")"
	@echo "make test-wheelhouse  build the wheelhouse, install from it with no network, run a notebook (slow, GBs)"
	@echo "make release TAG=v1.0.0  check that the tag, pyproject.toml, CHANGELOG.md and CITATION.cff agree"
	@echo "make book       the website in build/book/ (zh and en; SOLUTIONS=1 adds build/book/solutions/)"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(if $(WHEELHOUSE),@echo "Installing offline from $(WHEELHOUSE) (pip is not upgraded)",$(PY) -m pip install --quiet --upgrade pip)
	$(PY) -m pip install --quiet $(OFFLINE_FLAGS) -r requirements.txt -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "PyTorch course"
	@touch $(STAMP)

# Token authentication stays on: open the URL with ?token=... that JupyterLab prints.
# LAB_LANG=zh: JupyterLab's menus and dialogs in Chinese (the zh_CN language pack of requirements.txt);
# LAB_LANG=en: in English. A name of its own: LANG is your shell's locale, and COURSE_LANG given to
# make reaches the kernels, where it sets check()'s language in every notebook. The choice is written
# to a settings folder in .venv (lab-settings/<lang>); ~/.jupyter is neither read nor changed. Without
# LAB_LANG, JupyterLab uses ~/.jupyter as before: English, unless you picked a language under
# Settings > Language or your system locale has a language pack (zh_CN.UTF-8).
LAB_LANG ?=
LAB_LOCALE = $(if $(filter zh,$(LAB_LANG)),zh_CN,en)
LAB_SETTINGS = $(abspath $(VENV))/lab-settings/$(LAB_LANG)
LAB_TRANSLATION = $(LAB_SETTINGS)/@jupyterlab/translation-extension
LAB_FLAGS = $(if $(LAB_LANG),--LabApp.user_settings_dir="$(LAB_SETTINGS)")

lab: $(STAMP)
	$(if $(filter-out zh en,$(LAB_LANG)),$(error LAB_LANG=$(LAB_LANG): use LAB_LANG=zh (Chinese) or LAB_LANG=en))
	$(if $(LAB_LANG),@mkdir -p "$(LAB_TRANSLATION)" && printf '{"locale": "%s"}\n' $(LAB_LOCALE) > "$(LAB_TRANSLATION)/plugin.jupyterlab-settings")
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) --ServerApp.root_dir=$(CURDIR) $(ROOT_FLAG) $(LAB_FLAGS)

ffmpeg:
	@bash .ci/install-ffmpeg

test: $(STAMP) ffmpeg
	$(BIN)/ruff check src tests tools conftest.py book notebooks/scripts $(TWINS)
	$(PY) -m pytest tests $(NOTEBOOK_DIRS) --nbval $(NBVAL_OPTS) $(PARALLEL) --ignore=tests/test_book.py
	$(PY) -m pytest tests/test_book.py  # after the notebooks: Chromium beside them slowed the lessons past their time limit

# make test runs en under the pinned CPU kernels and zh under "other" (conftest.py): every code cell
# runs under both settings. This swaps them, for a second, complete proof of the strict notebooks.
test-portable: $(STAMP) ffmpeg
	COURSE_KERNELS=swap $(PY) -m pytest notebooks solutions --nbval $(NBVAL_OPTS) $(PARALLEL)

test-unit: $(STAMP)
	$(PY) -m pytest tests

# The same entry as the lent GPU machine and CI (tools/gpu/README.md). The .venv already has the
# test packages, so it installs nothing; TIME_LIMIT (seconds for pytest) defaults to an hour here.
test-gpu: $(STAMP) ffmpeg
	PYTHON=$(PY) JOBS=$(JOBS) NBVAL_OPTS="$(NBVAL_OPTS)" TIME_LIMIT=$${TIME_LIMIT:-3600} \
	  COURSE_REQUIRE_GPU=1 bash tools/gpu/run-tests.sh

sync: $(STAMP)
	$(BIN)/jupytext --sync $(foreach d,$(NOTEBOOK_DIRS),$(wildcard $(d)/*/*.ipynb))

exercises: $(STAMP)
	$(BIN)/course exercises $(CH)

doctor: $(STAMP)
	$(BIN)/course doctor

# What check() recorded in .course-progress.json. make progress COURSE_LANG=zh prints it in Chinese.
progress: $(STAMP)
	@$(BIN)/course progress $(if $(COURSE_LANG),--lang $(COURSE_LANG))

build: $(STAMP)
	$(BIN)/course build $(NB)

# The course as a static website, from the committed notebooks (nothing is executed). Open
# build/book/index.html, or serve it: python -m http.server -d build/book. tests/test_book.py
# builds it too, into a temporary folder, and checks every page in headless Chromium.
book: $(STAMP)
	$(PY) book/build.py $(if $(filter 1,$(SOLUTIONS)),--solutions)

lint: $(STAMP)
	$(BIN)/ruff check src tests tools conftest.py book notebooks/scripts $(TWINS)

wheelhouse:
	$(PYTHON) tools/wheelhouse.py --dest $(or $(WHEELHOUSE),wheelhouse) $(addprefix --python ,$(WHEELHOUSE_PYTHONS))

# Slow (GBs of CUDA wheels, and needs root for a network namespace): not part of `make test`.
test-wheelhouse:
	WHEELHOUSE_PYTHONS="$(WHEELHOUSE_PYTHONS)" PYTHON="$(PYTHON)" bash tools/test_wheelhouse.sh $(WHEELHOUSE)

release:
	$(PYTHON) tools/release_check.py $(if $(TAG),--tag $(TAG))

clean:
	rm -rf $(VENV) reports build src/*.egg-info
