#!/usr/bin/env bash
# THE main job of sparsevar (README): installs what is missing, builds the command-line tool, and
# runs `sparsevar demo`: the built-in synthetic two-photon experiment in two conditions is
# generated, the end-to-end model (and the ablation's other modes) trained, every run analysed,
# the group tests run, and a report with tables and maps written to sparsevar-demo/.
#
#   bash scripts/demo.sh                      # the default (small) preset, about 6 minutes on 2 cores
#   bash scripts/demo.sh --preset standard    # any `sparsevar demo` option can follow
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install_local.sh

bash scripts/setup.sh
mkdir -p "$BUILD_DIR"
note "building the sparsevar tool (a few minutes the first time)"
swift build -c release --product sparsevar-cli > "$BUILD_DIR/demo-build.log" 2>&1 || {
  cat "$BUILD_DIR/demo-build.log" >&2
  exit 1
}
exec "$(swift build -c release --show-bin-path)/sparsevar-cli" demo "$@"
