#!/usr/bin/env bash
# Peers for benchmarks/sync.py, each in its own virtual environment under .bench/ (git-ignored):
# their pins (librosa, numba, scipy, pydub, noisereduce) may clash with Editron's. syncstart
# runs `ffprobe` and `ffmpeg`; Debian's ffmpeg package and the libraries it needs that this
# machine lacks are unpacked into a private prefix (.bench/ffmpeg-root) instead of installed,
# so /usr/bin/ffmpeg never appears on PATH and Editron's own tests keep the ffmpeg they use.
set -euo pipefail
cd "$(dirname "$0")/.."
BENCH=.bench
PY=${PYTHON:-python3}
mkdir -p "$BENCH/venvs"

venv() {  # name, pip arguments...
  local name=$1; shift
  local dir="$BENCH/venvs/$name"
  if [ ! -x "$dir/bin/python" ] || [ ! -f "$dir/.done" ]; then
    "$PY" -m venv "$dir"
    "$dir/bin/pip" install -q --upgrade pip
    "$dir/bin/pip" install -q "$@"
    touch "$dir/.done"
  fi
}

venv audio-offset-finder 'audio-offset-finder==0.5.5'
venv audalign 'audalign==1.3.1'
venv syncstart 'syncstart==1.1.1'

ROOT="$BENCH/ffmpeg-root"
if [ ! -x "$ROOT/usr/bin/ffprobe" ]; then
  apt-get update -qq
  mkdir -p "$BENCH/debs" "$ROOT"
  # The packages `apt-get install ffmpeg` would add here: ffmpeg and the libraries it lacks.
  mapfile -t pkgs < <(apt-get install -s -qq --no-install-recommends ffmpeg \
                        | awk '/^Inst /{print $2}')
  (cd "$BENCH/debs" && apt-get download -qq "${pkgs[@]}")
  for deb in "$BENCH"/debs/*.deb; do dpkg -x "$deb" "$ROOT"; done
fi
# Prove the private ffprobe runs with its own libraries before any benchmark relies on it.
LD_LIBRARY_PATH="$PWD/$ROOT/usr/lib/x86_64-linux-gnu:$PWD/$ROOT/usr/lib/x86_64-linux-gnu/pulseaudio:$PWD/$ROOT/usr/lib/x86_64-linux-gnu/blas:$PWD/$ROOT/usr/lib/x86_64-linux-gnu/lapack" \
  "$ROOT/usr/bin/ffprobe" -hide_banner -version | head -1
