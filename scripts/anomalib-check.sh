#!/usr/bin/env bash
# Does every converted project load and train in anomalib as its README.txt says? Outside the ordinary suite
# (.ci/run does not run it): anomalib and torch are large and the run takes minutes.
#
# 1. a venv with anomalib 2.7.0 from PyPI ($ANOMALIB_VENV, default target/anomalib-venv; reused when present,
#    about 5 GB with torch's default wheels; CPU only is used),
# 2. the debug binary (cargo build),
# 3. an emulator with a small estate (scripts/anomalib_check.py writes the seed and the backup tree): train+test,
#    train only, unlabeled entries, multi-class masks, JPEG images, anomalies without masks, a test set of
#    normals only, a classification-only project, with names img1..img12 (which sort differently as numbers
#    and as strings),
# 4. convert --layout folder and --layout mvtec,
# 5. for each project of each layout: run the call in its README.txt, check every anomaly's mask is its own
#    (through manifest.csv), fit Patchcore (resnet18 backbone, pre_trained=False: no download) one epoch on
#    CPU and test it; a summary line per project, exit 1 if any failed.
#
# Usage: scripts/anomalib-check.sh [WORK_DIR]   (default: a new temporary directory, kept for inspection)
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
work=${1:-$(mktemp -d -t lfv-anomalib-check.XXXXXX)}
mkdir -p "$work"
venv=${ANOMALIB_VENV:-$repo/target/anomalib-venv}

if [ ! -x "$venv/bin/python" ] || ! "$venv/bin/python" -c 'import anomalib' 2>/dev/null; then
    echo "anomalib-check: installing anomalib 2.7.0 into $venv (several minutes)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet --upgrade pip
    "$venv/bin/pip" install --quiet anomalib==2.7.0
fi
"$venv/bin/python" -c 'import anomalib, torch; print(f"anomalib {anomalib.__version__}, torch {torch.__version__}")'

cargo build --quiet
bin=$repo/target/debug/lfv-sunset

"$venv/bin/python" scripts/anomalib_check.py seed "$work"
port=$("$venv/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"$bin" emulator --listen "127.0.0.1:$port" --seed "$work/seed.json" --rate unlimited >"$work/emulator.log" 2>&1 &
emu=$!
trap 'kill $emu 2>/dev/null || true' EXIT
for _ in $(seq 100); do
    grep -q "listening" "$work/emulator.log" && break
    sleep 0.1
done
export AWS_ACCESS_KEY_ID=emulator AWS_SECRET_ACCESS_KEY=emulator AWS_REGION=us-east-1
for layout in folder mvtec; do
    rm -rf "$work/$layout"
    status=0
    "$bin" convert --from "$work/backups" --to "$work/$layout" --layout "$layout" \
        --endpoint-url "http://127.0.0.1:$port" >"$work/$layout.summary.json" 2>"$work/$layout.stderr" || status=$?
    # Exit 0: every labeled entry converted (unlabeled ones are reported, not counted).
    if [ "$status" -ne 0 ]; then
        echo "anomalib-check: convert --layout $layout exited $status" >&2
        cat "$work/$layout.stderr" >&2
        exit 1
    fi
    grep "^convert: project" "$work/$layout.stderr" || true
done
kill $emu 2>/dev/null || true
TQDM_DISABLE=1 "$venv/bin/python" scripts/anomalib_check.py train "$work"
