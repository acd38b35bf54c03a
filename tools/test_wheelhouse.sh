#!/usr/bin/env bash
# The classroom pack, tested for real (slow: it downloads GBs of CUDA wheels; not in `make test`).
#
#   bash tools/test_wheelhouse.sh [WHEELHOUSE]      (or: make test-wheelhouse [WHEELHOUSE=path])
#
# 1. builds the wheelhouse (tools/wheelhouse.py) in WHEELHOUSE, by default
#    ${TMPDIR:-/tmp}/course-wheelhouse, which is kept: a second run downloads nothing new;
# 2. copies this checkout (tracked and untracked files, none that git ignores) to a temporary
#    folder, and for each version in WHEELHOUSE_PYTHONS (default "3.11 3.12") that has an
#    interpreter here (pythonX.Y on PATH, or $PYTHON), runs `make venv WHEELHOUSE=... VENV=...`
#    inside a network namespace with no network (unshare -n, as root) and with pip's config files
#    switched off, so the wheelhouse is the only source of packages;
# 3. runs notebooks/en/00_how_to_use.ipynb with strict nbval in that venv, still offline.
# It prints the wheelhouse size, the download time and each offline install time.
# Where a network namespace cannot be made (not root, or no unshare), it says so and skips (exit 0).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
WHEELHOUSE="$(realpath -m "${1:-${TMPDIR:-/tmp}/course-wheelhouse}")"
PYTHONS="${WHEELHOUSE_PYTHONS:-3.11 3.12}"
PYTHON="${PYTHON:-python3}"
NOTEBOOK="notebooks/en/00_how_to_use.ipynb"

if ! command -v unshare >/dev/null 2>&1 || ! unshare -n true 2>/dev/null; then
  echo "SKIPPED: cannot create a network namespace here (needs root and unshare -n), so the"
  echo "offline install cannot be proven. Run this as root on Linux."
  exit 0
fi
if ! command -v ip >/dev/null 2>&1; then
  echo "SKIPPED: the 'ip' command (iproute2) is needed to bring up loopback in the namespace," \
       "which Jupyter kernels use."
  exit 0
fi

# Python X.Y interpreter for a version, or nothing.
interpreter() {
  local version="$1" candidate
  for candidate in "python$version" "$PYTHON"; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       [ "$("$candidate" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" = "$version" ]; then
      command -v "$candidate"
      return 0
    fi
  done
}

# Run a command with no network (loopback only) and with pip's settings off: no config files,
# no index, no extra find-links; only what the command line names.
offline() {
  env -u PIP_FIND_LINKS -u PIP_INDEX_URL -u PIP_EXTRA_INDEX_URL -u PIP_CONSTRAINT \
      PIP_CONFIG_FILE=/dev/null PIP_NO_INDEX=1 \
      unshare -n bash -c 'ip link set lo up && "$@"' offline "$@"
}

WORK="$(mktemp -d "${TMPDIR:-/tmp}/course-offline.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

echo "== 1. wheelhouse in $WHEELHOUSE (Python $PYTHONS)"
start=$(date +%s)
# shellcheck disable=SC2086
"$PYTHON" "$ROOT/tools/wheelhouse.py" --dest "$WHEELHOUSE" $(printf -- '--python %s ' $PYTHONS)
download_s=$(( $(date +%s) - start ))
size="$(du -sh "$WHEELHOUSE" | cut -f1)"

echo "== 2. a copy of the checkout in $WORK/course"
mkdir -p "$WORK/course"
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard |
   tar --null --ignore-failed-read -T - -cf - 2>/dev/null) | tar -xf - -C "$WORK/course"

echo "== the namespace has no network:"
offline python3 -c '
import socket
try:
    socket.create_connection(("1.1.1.1", 443), timeout=5)
except OSError as exc:
    print("   outside connection refused:", exc)
else:
    raise SystemExit("the namespace reached the network: this test would prove nothing")
'

summary=("wheelhouse: $WHEELHOUSE, $size, built (downloaded) in ${download_s} s for Python $PYTHONS")
failed=0
for version in $PYTHONS; do
  python="$(interpreter "$version" || true)"
  if [ -z "$python" ]; then
    summary+=("Python $version: SKIPPED (no python$version here)")
    continue
  fi
  venv="$WORK/venv-$version"
  echo "== 3. Python $version: make venv offline from the wheelhouse ($python)"
  start=$(date +%s)
  if offline make -C "$WORK/course" venv WHEELHOUSE="$WHEELHOUSE" VENV="$venv" PYTHON="$python"; then
    install_s=$(( $(date +%s) - start ))
  else
    summary+=("Python $version: offline install FAILED after $(( $(date +%s) - start )) s")
    failed=1
    continue
  fi
  echo "== 4. Python $version: strict nbval on $NOTEBOOK, offline"
  start=$(date +%s)
  if offline bash -c 'cd "$1" && "$2/bin/python" -m pytest -p no:cacheprovider -q "$3" --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg' \
       _ "$WORK/course" "$venv" "$NOTEBOOK"; then
    result="passed"
  else
    result="FAILED"
    failed=1
  fi
  summary+=("Python $version: offline install ${install_s} s ($(du -sh "$venv" | cut -f1) venv); $NOTEBOOK strict nbval $result in $(( $(date +%s) - start )) s")
done

echo
echo "== summary"
printf '%s\n' "${summary[@]}"
exit $failed
