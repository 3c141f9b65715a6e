# Sourced by scripts/test.sh and scripts/demo.sh (from the repository root): where things are
# built, and the two install steps both need.
#
#   install_library [ARG...]  CMake build of libsparsevar.so in $BUILD_DIR (ARGs are added to the
#                           configure step, e.g. -DSPARSEVAR_ENABLE_TESTING=ON), installed into the
#                           fresh prefix $BUILD_DIR/prefix; exports SPARSEVAR_PREFIX,
#                           PKG_CONFIG_PATH, SPARSEVAR_LIBRARY (the installed .so) and
#                           SPARSEVAR_SWIFTPM_ARGUMENTS (the SwiftPM arguments of the build, which
#                           `swift test`, scripts/generate_header.py and the Swift example reuse:
#                           $BUILD_DIR/swiftpm-arguments.txt) and sets LIBDIR
#   install_python_binding  pip install ./bindings/python
#
# SPARSEVAR_BUILD_DIR overrides build/, SPARSEVAR_SWIFTPM_SCRATCH the SwiftPM folder .build.

ROOT=$PWD
BUILD_DIR=${SPARSEVAR_BUILD_DIR:-build}
case $BUILD_DIR in /*) ;; *) BUILD_DIR=$ROOT/$BUILD_DIR ;; esac
PREFIX=$BUILD_DIR/prefix
export SPARSEVAR_SWIFTPM_SCRATCH=${SPARSEVAR_SWIFTPM_SCRATCH:-.build}  # read by generate_header.py
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH=/opt/swift/usr/bin:$PATH
fi

note() { printf '%s: %s\n' "$(basename "$0")" "$*"; }

install_library() {
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release "$@"
  cmake --build "$BUILD_DIR"
  rm -rf "$PREFIX"
  cmake --install "$BUILD_DIR" --prefix "$PREFIX"

  export SPARSEVAR_PREFIX=$PREFIX
  local pkg_config_dir
  pkg_config_dir=$(dirname "$(find "$PREFIX" -name sparsevar.pc -path '*/pkgconfig/*' | head -n 1)")
  export PKG_CONFIG_PATH=$pkg_config_dir${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
  LIBDIR=$(pkg-config --variable=libdir sparsevar)
  export SPARSEVAR_LIBRARY=$LIBDIR/libsparsevar.so
  export SPARSEVAR_SWIFTPM_ARGUMENTS=$BUILD_DIR/swiftpm-arguments.txt
  unset LD_LIBRARY_PATH
  note "SPARSEVAR_PREFIX=$SPARSEVAR_PREFIX"
  note "PKG_CONFIG_PATH=$PKG_CONFIG_PATH"
  note "SPARSEVAR_LIBRARY=$SPARSEVAR_LIBRARY"
}

install_python_binding() {
  # The standard, isolated build first (pip fetches the build backend); without network access
  # that fails, and the build backend installed here is used instead.
  if ! python3 -m pip install --quiet ./bindings/python; then
    note "isolated build failed: retrying with --no-build-isolation"
    python3 -m pip install --quiet --no-build-isolation ./bindings/python
  fi
}
