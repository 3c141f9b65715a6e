#!/usr/bin/env bash
# THE main job of sparsevar for now (README): installs what is missing, builds and installs the
# library into build/prefix, installs the Python binding, and runs the sparse-VAR demo: a known
# sparse VAR is simulated, fitted, and the recovered connections are printed against the truth.
#
#   bash scripts/demo.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install_local.sh

bash scripts/setup.sh
mkdir -p "$BUILD_DIR"
note "building and installing the library (a few minutes the first time)"
install_library > "$BUILD_DIR/demo-build.log" 2>&1 || {
  cat "$BUILD_DIR/demo-build.log" >&2
  exit 1
}
note "library installed in ${PREFIX#"$ROOT"/} (build log: ${BUILD_DIR#"$ROOT"/}/demo-build.log)"
install_python_binding
python3 examples/python/fit_sparse_var.py "$@"
