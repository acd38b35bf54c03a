#!/usr/bin/env bash
# Fill .gpu-wheels/ with the wheels that the GPU test machine lacks, so that
# tools/gpu/run-tests.sh can install them there without any network.
#
# That machine's python3 (3.12, x86-64 Linux) already has torch, torchvision,
# torchaudio, numpy, matplotlib, onnx*, scikit-learn, tqdm, tensorboard and
# pytest; it has no Jupyter packages. Everything carried to it travels in the
# working tree (64 MiB in all), so the folder must stay small: LIMIT_MIB.
#
#   bash tools/gpu/build-wheels.sh        # needs the package index (run it here)
#
# Two steps, so that nothing large is ever downloaded by accident:
#   1. resolve what WANT needs for CPython 3.12 on manylinux (pip's --dry-run --report);
#   2. download exactly that list, minus HAVE, with --no-deps.
set -euo pipefail
cd "$(dirname "$0")/../.."

DEST=${DEST:-.gpu-wheels}
LIMIT_MIB=${LIMIT_MIB:-45}
PYTHON=${PYTHON:-python3}

# What the tests need and the image lacks. jupyterlab is left out on purpose:
# with its server it would add ~30 MiB (tests/test_lab.py is then not run there).
WANT="nbval ipykernel jupyter_client nbformat nbclient jupytext pytest-xdist pytest-timeout
      ipywidgets psutil pyyaml torchcodec"
# Already in the image: never carried, even where a package in WANT depends on one.
HAVE="torch torchvision torchaudio numpy matplotlib onnx onnxruntime onnxscript onnx-ir
      scikit-learn tqdm tensorboard pytest"
TARGET=(--only-binary=:all: --implementation cp --python-version 3.12
        --platform manylinux2014_x86_64 --platform manylinux_2_17_x86_64
        --platform manylinux_2_27_x86_64 --platform manylinux_2_28_x86_64)

# pip evaluates dependency markers (python_version < "3.12") for the Python that runs it.
"$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' ||
  echo "note: $PYTHON is not Python 3.12; markers are evaluated for it (run-tests.sh checks completeness)" >&2

# Use requirements.txt's exact pin for every name it pins (the one place where versions live).
wanted=$("$PYTHON" - "$WANT" <<'EOF'
import re, sys
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
pins = {}
for line in open("requirements.txt"):
    line = line.split("#", 1)[0].split(";", 1)[0].strip()  # no comments, no markers
    if "==" in line:
        name, version = line.split("==", 1)
        pins[norm(name)] = f"{name}=={version}"
print(" ".join(pins.get(norm(name), name) for name in sys.argv[1].split()))
EOF
)
echo "resolving for CPython 3.12: $wanted"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# The noise filter hides warnings about this machine's local index folders.
"$PYTHON" -m pip install --quiet --dry-run --ignore-installed --target "$tmp/target" \
  --report "$tmp/report.json" "${TARGET[@]}" $wanted 2> >(grep -v 'is ignored: it is neither' >&2)

# The list to download, and .gpu-wheels/requirements.txt: what run-tests.sh installs
# (the wanted names at the versions resolved here).
"$PYTHON" - "$tmp/report.json" "$WANT" "$HAVE" "$tmp/download.txt" "$tmp/top.txt" <<'EOF'
import json, re, sys
norm = lambda name: re.sub(r"[-_.]+", "-", name).lower()
report, want, have, download, top = sys.argv[1:]
want, have = {norm(n) for n in want.split()}, {norm(n) for n in have.split()}
resolved = {norm(i["metadata"]["name"]): i["metadata"]["version"] for i in json.load(open(report))["install"]}
heavy = sorted(resolved.keys() & have)
if heavy:
    print("already in the image, not carried:", ", ".join(heavy))
open(download, "w").write("".join(f"{n}=={v}\n" for n, v in sorted(resolved.items()) if n not in have))
open(top, "w").write("".join(f"{n}=={resolved[n]}\n" for n in sorted(want)))
EOF

rm -rf "$DEST"  # one version of each package only: two would stop the install
"$PYTHON" -m pip download --quiet --no-deps "${TARGET[@]}" -d "$DEST" -r "$tmp/download.txt" \
  2> >(grep -v 'is ignored: it is neither' >&2)
cp "$tmp/top.txt" "$DEST/requirements.txt"

count=$(ls "$DEST"/*.whl | wc -l)
bytes=$(du -sb "$DEST" | cut -f1)
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "$DEST: $count wheels, $mib MiB (limit $LIMIT_MIB MiB)"
if [ "$bytes" -gt $((LIMIT_MIB * 1048576)) ]; then
  echo "error: $DEST is over $LIMIT_MIB MiB; the working tree that travels must stay under 64 MiB" >&2
  exit 1
fi
