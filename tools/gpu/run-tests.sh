#!/usr/bin/env bash
# The GPU test entry (`make test-gpu`, CI's gpu job, and the lent GPU machine).
#
# Runs the unit tests and every notebook (notebooks/, solutions/, exercises/, both
# editions) with lax nbval and COURSE_REQUIRE_GPU=1, on a Python that already has
# torch. When that Python lacks the test packages (the GPU image has no Jupyter),
# it makes .gpu-venv/ on top of it and installs the wheels that
# tools/gpu/build-wheels.sh put in .gpu-wheels/, without any network.
#
#   bash tools/gpu/run-tests.sh                       # everything
#   bash tools/gpu/run-tests.sh tests/test_device.py notebooks/en/04_gpu.ipynb   # a subset
#
# Settings (environment variables):
#   PYTHON=python3          the Python that has torch (the image's, or the course's .venv/bin/python)
#   COURSE_REQUIRE_GPU=1    0 for a dry run on a machine without CUDA
#   JOBS=8                  pytest-xdist workers, one file per worker (1: no xdist)
#   TIME_LIMIT=360          seconds for the pytest part. Then it gets SIGINT, so the reports
#                           are still written, and the script exits 124. 6 minutes, plus
#                           ~1 minute of set-up, lets a second run fit in a 15-minute lease.
#   WHEELS=.gpu-wheels      the carried wheels
#   NBVAL_OPTS=...          the Makefile passes its own; the default below is a copy of it
#
# Without FFmpeg, TorchCodec cannot load: `import torchcodec` and torchaudio.load/save
# raise. The tests and notebooks that need it are then DESELECTED (--deselect), never
# passed: the list, with the reason, is printed before pytest starts and again as the
# last lines of the output. (With xdist, pytest's own summary does not count deselected
# items, so that list is the record.) The same holds for tests/test_lab.py when
# JupyterLab (not carried: ~30 MiB) or make is missing.
#
# Outputs: reports/notebook_times.md (+ .json, written by conftest.py),
# reports/junit-gpu.xml and reports/gpu-run.log (all of this output); copied into $OUT
# when it is set (the GPU machine returns what is written there).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD

PYTHON=${PYTHON:-python3}
export COURSE_REQUIRE_GPU=${COURSE_REQUIRE_GPU:-1}
JOBS=${JOBS:-8}
TIME_LIMIT=${TIME_LIMIT:-360}
WHEELS=${WHEELS:-.gpu-wheels}
VENV=.gpu-venv
NBVAL_OPTS=${NBVAL_OPTS:---nbval-sanitize-with tests/nbval_sanitize.cfg --nbval-cell-timeout=600 --nbval-kernel-startup-timeout=120 --durations=15}
TEST_MODULES="import nbval, xdist, pytest_timeout, jupytext, ipykernel, nbclient, yaml"
export PYTHONUNBUFFERED=1
start=$(date +%s)

die() { echo "run-tests.sh: $*" >&2; exit 2; }
section() { echo "== $1 ($(( $(date +%s) - start )) s)"; }

show_machine() {
  command -v nvidia-smi >/dev/null && nvidia-smi || echo "nvidia-smi: not found"
  "$PYTHON" - <<'EOF' || die "$PYTHON cannot import torch"
import sys, torch
cuda = torch.cuda.is_available()
print(f"python {sys.version.split()[0]} ({sys.executable}), torch {torch.__version__}, CUDA build {torch.version.cuda}")
print(f"torch.cuda.is_available() = {cuda}" + (f", device 0: {torch.cuda.get_device_name(0)}" if cuda else ""))
EOF
  echo "COURSE_REQUIRE_GPU=$COURSE_REQUIRE_GPU JOBS=$JOBS TIME_LIMIT=${TIME_LIMIT}s"
}

# Sets PY: PYTHON itself when it has the test packages (a workstation's .venv), else .gpu-venv.
setup_python() {
  PY=$PYTHON
  if ! "$PYTHON" -c "$TEST_MODULES" 2>/dev/null; then
    [ -f "$WHEELS/requirements.txt" ] ||
      die "$PYTHON lacks the test packages and $WHEELS/ is missing (run tools/gpu/build-wheels.sh, then carry $WHEELS)"
    # --system-site-packages shares the system's torch. If PYTHON is itself a venv (the GPU
    # image's python3 is), the new venv would see only the base Python's packages, so a
    # .pth file adds PYTHON's own site-packages as well, after the venv's own.
    "$PYTHON" -m venv --clear --system-site-packages --without-pip "$VENV" || die "cannot make $VENV"
    PY=$ROOT/$VENV/bin/python
    "$PYTHON" -c 'import site; print("\n".join(f"import site; site.addsitedir({d!r})" for d in site.getsitepackages()))' \
      > "$("$PY" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')/_torch_python.pth"
    "$PY" -m pip --version >/dev/null 2>&1 || "$PY" -m ensurepip --quiet || die "no pip for $VENV"
    # PIP_CONFIG_FILE=/dev/null: only the carried wheels, whatever a pip.conf says.
    PIP_CONFIG_FILE=/dev/null "$PY" -m pip install --quiet --disable-pip-version-check --no-index \
      --find-links "$WHEELS" -r "$WHEELS/requirements.txt" || die "installing from $WHEELS failed"
    "$PY" -c "$TEST_MODULES" || die "$WHEELS is incomplete"
  fi
  if ! "$PY" -c "import course_utils" 2>/dev/null; then
    # pyproject.toml needs setuptools>=77 (license = "MIT"); without it, use the source folder.
    if "$PY" -c 'import setuptools, sys; sys.exit(int(setuptools.__version__.split(".")[0]) < 77)' 2>/dev/null; then
      PIP_CONFIG_FILE=/dev/null "$PY" -m pip install --quiet --disable-pip-version-check --no-index \
        --no-deps --no-build-isolation -e . || die "pip install -e . failed"
    else
      echo "setuptools>=77 is missing: course_utils comes from PYTHONPATH=src"
      export PYTHONPATH=$ROOT/src${PYTHONPATH:+:$PYTHONPATH}
    fi
  fi
  "$PY" -m ipykernel install --sys-prefix --name pytorch-course --display-name "PyTorch course" >/dev/null ||
    die "cannot register the pytorch-course kernel"
  "$PY" -c 'import sys, nbval, ipykernel, course_utils
print(f"test python {sys.executable}: nbval {nbval.__version__}, ipykernel {ipykernel.__version__}")'
}

# What this machine cannot run: sets `deselect` (pytest options) and `notes` (the printed list).
find_unrunnable() {
  deselect=() notes=()
  drop() { local reason=$1; shift; notes+=("$reason:"); for id; do deselect+=(--deselect "$id"); notes+=("    $id"); done; }
  local err
  if ! err=$("$PY" -c "import torchcodec" 2>&1); then
    drop "TorchCodec cannot load FFmpeg ($(grep -m1 -o 'Could not load[^.]*' <<<"$err" || tail -n1 <<<"$err")), so torchaudio.load/save fail" \
      notebooks/zh/01_what_is_pytorch.ipynb notebooks/en/01_what_is_pytorch.ipynb \
      notebooks/zh/12_torchaudio.ipynb notebooks/en/12_torchaudio.ipynb \
      tests/test_audio.py::test_written_files_load_back_identically tests/test_audio.py::test_files_are_16bit_pcm \
      tests/test_audio.py::test_unquantized_audio_does_not_survive_exactly tests/test_audio.py::test_index_csv_columns \
      tests/test_audio.py::test_dataset_loads_the_files tests/test_audio.py::test_rewriting_a_folder_gives_the_same_files
  fi
  if ! "$PY" -c "import jupyterlab" 2>/dev/null; then
    drop "JupyterLab is not installed (not carried: ~30 MiB); the CPU job tests make lab" tests/test_lab.py
  elif ! command -v make >/dev/null; then
    drop "make is not installed" tests/test_lab.py::test_make_lab_keeps_token_auth_and_listens_on_localhost
  fi
}
report_unrunnable() {
  [ ${#notes[@]} -eq 0 ] && return
  echo "NOT RUN on this machine (deselected):"
  printf '  %s\n' "${notes[@]}"
}

main() {
  section "machine"
  show_machine
  section "test environment"
  setup_python
  find_unrunnable
  report_unrunnable

  section "pytest"
  local targets=("$@") parallel=() limit=() rc
  [ ${#targets[@]} -gt 0 ] || targets=(tests notebooks solutions exercises)
  [ "$JOBS" -gt 1 ] && parallel=(-n "$JOBS" --dist loadfile)
  # SIGINT, not SIGTERM: pytest then stops cleanly, and conftest.py and junitxml still write their reports.
  command -v timeout >/dev/null && limit=(timeout --signal=INT --kill-after=30 "$TIME_LIMIT")
  # shellcheck disable=SC2086  # NBVAL_OPTS is a list of options
  "${limit[@]}" "$PY" -m pytest "${targets[@]}" --nbval-lax $NBVAL_OPTS "${parallel[@]}" "${deselect[@]}" \
    --tb=short -rfEs --junitxml=reports/junit-gpu.xml
  rc=$?

  section "summary"
  [ "$rc" = 124 ] && echo "pytest was stopped after TIME_LIMIT=${TIME_LIMIT}s: the run is incomplete"
  [ -f reports/notebook_times.md ] && tail -n 1 reports/notebook_times.md
  report_unrunnable
  echo "run-tests.sh: pytest exit code $rc, $(( $(date +%s) - start )) s in all"
  return "$rc"
}

mkdir -p reports
# Reports of an earlier run must not pass for this one's.
rm -f reports/notebook_times.md reports/notebook_times.json reports/junit-gpu.xml
main "$@" 2>&1 | tee reports/gpu-run.log
rc=${PIPESTATUS[0]}
if [ -n "${OUT:-}" ]; then
  for f in notebook_times.md notebook_times.json junit-gpu.xml gpu-run.log; do
    [ -f "reports/$f" ] && cp "reports/$f" "$OUT/"
  done
  echo "copied to \$OUT: $(ls "$OUT" | tr '\n' ' ')"
fi
exit "$rc"
