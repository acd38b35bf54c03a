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
NBVAL_OPTS := --nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600 \
              --nbval-kernel-startup-timeout=120 --durations=15
# Two workers (one per core); a notebook's cells share a kernel, so each file stays on one worker.
JOBS ?= 2
PARALLEL := $(if $(filter 1,$(JOBS)),,-n $(JOBS) --dist loadfile)

.PHONY: help venv lab test test-unit test-gpu sync exercises doctor lint build clean ffmpeg

help:
	@echo "make lab        open the course in JupyterLab (builds .venv on first use)"
	@echo "make test       unit tests, invariants, strict nbval on notebooks/ and solutions/, lax on exercises/"
	@echo "make test-gpu   every notebook on a CUDA GPU (COURSE_REQUIRE_GPU=1, lax comparison)"
	@echo "make sync       pair every .ipynb with its .py twin (jupytext)"
	@echo "make exercises  regenerate exercises/ from solutions/ (CH=11_text: one chapter)"
	@echo "make doctor     check this machine and print how to fix problems"
	@echo "make build NB=notebooks/zh/01_what_is_pytorch.py   execute a notebook as the tests do"
	@echo "make clean      remove .venv and generated reports"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt -e .
	$(PY) -m ipykernel install --sys-prefix --name $(KERNEL) --display-name "PyTorch course"
	@touch $(STAMP)

# Token authentication stays on: open the URL with ?token=... that JupyterLab prints.
lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(PORT) --ServerApp.root_dir=$(CURDIR) $(ROOT_FLAG)

ffmpeg:
	@bash .ci/install-ffmpeg

test: $(STAMP) ffmpeg
	$(BIN)/ruff check src tests conftest.py
	$(PY) -m pytest tests $(NOTEBOOK_DIRS) --nbval $(NBVAL_OPTS) $(PARALLEL)

test-unit: $(STAMP)
	$(PY) -m pytest tests

test-gpu: $(STAMP) ffmpeg
	COURSE_REQUIRE_GPU=1 $(PY) -m pytest tests $(NOTEBOOK_DIRS) --nbval-lax $(NBVAL_OPTS) $(PARALLEL)

sync: $(STAMP)
	$(BIN)/jupytext --sync $(foreach d,$(NOTEBOOK_DIRS),$(wildcard $(d)/*/*.ipynb))

exercises: $(STAMP)
	$(PY) -m course_utils exercises $(CH)

doctor: $(STAMP)
	$(PY) -m course_utils doctor

build: $(STAMP)
	$(PY) -m course_utils build $(NB)

lint: $(STAMP)
	$(BIN)/ruff check src tests conftest.py

clean:
	rm -rf $(VENV) reports build src/*.egg-info
