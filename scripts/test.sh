#!/usr/bin/env bash
# THE test command of sparsevar (README; CI runs it through .ci/run):
#
#   bash scripts/test.sh
#
#  1. scripts/setup.sh               installs what is missing (Debian and Python packages)
#  2. CMake                          one SwiftPM build (release, build/swiftpm) of the whole
#                                    package, Swift tests included (-DSPARSEVAR_ENABLE_TESTING=ON),
#                                    from which libsparsevar.so and the tool are linked; both
#                                    installed into build/prefix (a fresh prefix every run)
#  3. swift test                     runs the Swift test suites step 2 built (--skip-build, with
#                                    the SwiftPM arguments CMake wrote to build/swiftpm-arguments.txt)
#  4. header                         include/sparsevar.h is what scripts/generate_header.py makes
#                                    (type-checked against the same build)
#  5. C programs                     tests/c/*.c and examples/c/*.c, each compiled with
#                                    ${CC:-cc} -std=c99 -Wall -Wextra -Werror -pedantic and the flags of
#                                    `pkg-config --cflags --libs sparsevar` only, and run
#                                    (a directory's Makefile is run too); then tests/c again
#                                    under AddressSanitizer and UndefinedBehaviorSanitizer
#  6. fuzzing                        tests/fuzz/run.sh: the libFuzzer harnesses of the model loader
#                                    (whole file, and payload behind a valid checksum) and the .npy
#                                    and TIFF readers, built against build/prefix, 20 s each on
#                                    their committed seed corpora (about 90 s;
#                                    SPARSEVAR_FUZZ_SECONDS changes the time)
#  7. CMake consumer                 tests/cmake-consumer, a C++ program using find_package(sparsevar)
#                                    with CMAKE_PREFIX_PATH=build/prefix, built and run; the
#                                    installed tool bin/sparsevar answers --help
#  8. Python binding                 pip install ./bindings/python
#  9. examples                       examples/swift (swift run, in .build-example; it must not
#                                    compile the tool's modules or swift-argument-parser, nor link
#                                    libhdf5) and examples/python/*.py
# 10. pytest                         tests/abi, tests/cli (the installed tool bin/sparsevar),
#                                    bindings/python/tests against the installed tree, and
#                                    tests/calibration (the permutation test against brute-force
#                                    enumeration, Monte Carlo's +1, the smallest attainable p,
#                                    the null experiment, one tiny trained network: about a
#                                    minute). The long trainings are not part of the gate:
#                                    tests/validation (pytest tests/validation, about 7 minutes)
#                                    and the calibration study (scripts/study.py, hours;
#                                    docs/validation.md)
#
# Programs find the installed library through an RPATH, -Wl,-rpath,$(pkg-config --variable=libdir
# sparsevar), not through LD_LIBRARY_PATH, as a user's program would. The exported variables
# SPARSEVAR_PREFIX, PKG_CONFIG_PATH and SPARSEVAR_LIBRARY (the installed libsparsevar.so) point
# the tests and the Python binding at build/prefix, and SPARSEVAR_SWIFTPM_ARGUMENTS the header
# check at the CMake build. The package is compiled once for the library, the tool, the Swift
# tests and the header's type-check, which share build/swiftpm and its flags (a SwiftPM build with
# other flags would recompile every module); only examples/swift compiles the Swift module again.
# Steps whose inputs do not exist (yet) are skipped with a note. The script stops at the first
# failure with a non-zero exit code.
# SPARSEVAR_BUILD_DIR overrides build/, SPARSEVAR_SWIFTPM_SCRATCH the example's SwiftPM folder
# (.build, to which -example is appended).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/install_local.sh

START=$SECONDS
SECTION="start"
PASSED=0
section() {
  if [ "$SECTION" != "start" ]; then PASSED=$((PASSED + 1)); fi
  SECTION=$1
  printf '\n==== [%4ds] %s ====\n' $((SECONDS - START)) "$1"
}
finish() {
  local status=$?
  if [ $status -ne 0 ]; then
    printf '\n==== test.sh: FAILED in "%s" (exit %d) after %ds ====\n' "$SECTION" $status $((SECONDS - START))
  fi
}
trap finish EXIT

# ------------------------------------------------------------------------------------------------
section "setup: scripts/setup.sh"
bash scripts/setup.sh

section "CMake: build libsparsevar.so and the tool (release, testable) and install them into ${PREFIX#"$ROOT"/}"
install_library -DSPARSEVAR_ENABLE_TESTING=ON
# The scratch path, configuration and compiler flags of the CMake build, without its
# --build-tests (which selects what to build and which `swift test` does not take).
SWIFTPM=()
while IFS= read -r argument; do
  if [ "$argument" != --build-tests ]; then SWIFTPM+=("$argument"); fi
done <"$SPARSEVAR_SWIFTPM_ARGUMENTS"

section "swift test (built by the CMake build)"
swift test "${SWIFTPM[@]}" --skip-build

section "header: scripts/generate_header.py --check (from the CMake build)"
python3 scripts/generate_header.py --check

# ------------------------------------------------------------------------------------------------
section "C programs: tests/c, examples/c"
read -r -a PKG_FLAGS <<<"$(pkg-config --cflags --libs sparsevar)"
C_OUT=$BUILD_DIR/c-programs
rm -rf "$C_OUT"
mkdir -p "$C_OUT"
c_programs=0
for dir in tests/c examples/c; do
  [ -d "$dir" ] || continue
  shopt -s nullglob
  sources=("$dir"/*.c)
  shopt -u nullglob
  if ((${#sources[@]} == 0)); then continue; fi
  # Files with a main() are programs; the other .c files of the directory are linked into each.
  mains=() helpers=()
  for source in "${sources[@]}"; do
    if grep -Eq '\bmain[[:space:]]*\(' "$source"; then mains+=("$source"); else helpers+=("$source"); fi
  done
  for source in "${mains[@]}"; do
    name=$(basename "$source" .c)
    executable=$C_OUT/${dir//\//_}_$name
    note "compile $source"
    ${CC:-cc} -std=c99 -Wall -Wextra -Werror -pedantic -I"$dir" "$source" "${helpers[@]}" \
      "${PKG_FLAGS[@]}" -Wl,-rpath,"$LIBDIR" -lm -o "$executable"
    note "run $source"
    (cd "$dir" && timeout 900 "$executable")
    c_programs=$((c_programs + 1))
  done
  if [ -f "$dir/Makefile" ]; then
    note "make -B -C $dir"
    make -B -C "$dir"  # -B: a binary left from an earlier run must not hide a broken Makefile
    if make -C "$dir" -n check >/dev/null 2>&1; then
      note "make -C $dir check"
      make -C "$dir" check
    fi
  fi
done
note "$c_programs C program(s) built and run"

# ------------------------------------------------------------------------------------------------
section "C programs under AddressSanitizer and UndefinedBehaviorSanitizer: tests/c"
# The test programs of tests/c again, built with clang -fsanitize=address,undefined (the Swift
# toolchain's clang, which ships the sanitizer runtimes; SANITIZER_CC overrides it). Only the C
# programs are instrumented, not libsparsevar.so, but ASan's malloc and free serve the whole
# process, the library's Swift objects included: a buffer overrun of the programs, a double free,
# undefined behaviour in the C code, and (LeakSanitizer, on by default) a handle or any memory the
# library allocated and never freed by exit are caught; test_hostile.c's children exit through
# exit() so that each is checked for leaks too. ASan options (docs/robustness.md):
#   allocator_may_return_null=1   a failed allocation returns NULL (as malloc does) instead of
#   max_allocation_size_mb=4096   aborting, and allocations above 4 GiB fail: test_hostile.c cannot
#                                 limit its address space under ASan (which maps terabytes of
#                                 shadow memory) and relies on this instead.
SANITIZER_CC=${SANITIZER_CC:-clang}
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1:max_allocation_size_mb=4096
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
SAN_OUT=$BUILD_DIR/c-programs-sanitized
rm -rf "$SAN_OUT"
mkdir -p "$SAN_OUT"
shopt -s nullglob
sources=(tests/c/*.c)
shopt -u nullglob
mains=() helpers=()
for source in "${sources[@]}"; do
  if grep -Eq '\bmain[[:space:]]*\(' "$source"; then mains+=("$source"); else helpers+=("$source"); fi
done
for source in "${mains[@]}"; do
  executable=$SAN_OUT/$(basename "$source" .c)
  note "compile $source with -fsanitize=address,undefined"
  "$SANITIZER_CC" -std=c99 -Wall -Wextra -Werror -pedantic -g -O1 -fno-omit-frame-pointer \
    -fsanitize=address,undefined -fno-sanitize-recover=undefined -Itests/c "$source" "${helpers[@]}" \
    "${PKG_FLAGS[@]}" -Wl,-rpath,"$LIBDIR" -lm -o "$executable"
  note "run $source under ASan and UBSan"
  (cd tests/c && timeout 900 "$executable")
done
unset ASAN_OPTIONS UBSAN_OPTIONS
note "${#mains[@]} C program(s) built and run with sanitizers"

# ------------------------------------------------------------------------------------------------
section "fuzzing: tests/fuzz/run.sh"
bash tests/fuzz/run.sh

# ------------------------------------------------------------------------------------------------
section "CMake consumer: tests/cmake-consumer (find_package(sparsevar)), bin/sparsevar"
CONSUMER_OUT=$BUILD_DIR/cmake-consumer
rm -rf "$CONSUMER_OUT"
cmake -S tests/cmake-consumer -B "$CONSUMER_OUT" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release
cmake --build "$CONSUMER_OUT"
timeout 300 "$CONSUMER_OUT/fit_var"
if [ -x "$PREFIX/bin/sparsevar" ]; then
  note "run $PREFIX/bin/sparsevar --help"
  tool_help=$("$PREFIX/bin/sparsevar" --help)
  grep -q "USAGE: sparsevar " <<<"$tool_help"
else
  note "no bin/sparsevar (configured with -DSPARSEVAR_BUILD_TOOL=OFF)"
fi

# ------------------------------------------------------------------------------------------------
section "Python binding: pip install ./bindings/python"
install_python_binding

# ------------------------------------------------------------------------------------------------
section "examples: Swift (examples/swift) and Python (examples/python)"
# Its own build (debug, .build-example): the modules of the CMake build are compiled with
# -DSPARSEVAR_NO_FOUNDATION, without the Foundation conformance of SparseVARError that Swift
# programs get and this example shows, so they cannot be reused here.
EXAMPLE_SCRATCH=$ROOT/$SPARSEVAR_SWIFTPM_SCRATCH-example
(cd examples/swift && swift run --scratch-path "$EXAMPLE_SCRATCH")
# A package that uses only the SparseVAR product must not compile the tool, its report module or
# swift-argument-parser (SwiftPM fetches every dependency, but compiles only what is needed).
unneeded=$(find "$EXAMPLE_SCRATCH" -name '*.o' \( -path '*ArgumentParser*' -o -path '*sparsevar_cli.build*' \
  -o -path '*SparseVARReport.build*' \) | head -n 3)
if [ -n "$unneeded" ]; then
  note "examples/swift compiled modules it does not use: $unneeded"
  exit 1
fi
# Nor link libhdf5, which only the tool needs (its HDF5 and NWB input).
example_binaries=$(find "$EXAMPLE_SCRATCH" -maxdepth 3 -type f -executable -path '*/debug/*' ! -name '*.so')
if [ -z "$example_binaries" ]; then
  note "examples/swift: no executable found under $EXAMPLE_SCRATCH"
  exit 1
fi
for binary in $example_binaries; do
  if readelf -d "$binary" 2>/dev/null | grep -q 'NEEDED.*hdf5'; then
    note "examples/swift links libhdf5: $binary"
    exit 1
  fi
done
for example in examples/python/*.py; do
  note "run $example"
  python3 "$example"
done

# ------------------------------------------------------------------------------------------------
section "pytest"
test_paths=()
# The installed tool (release: its tests take seconds, the debug build's minutes).
if [ -x "$PREFIX/bin/sparsevar" ]; then
  export SPARSEVAR_CLI=$PREFIX/bin/sparsevar
else
  SPARSEVAR_CLI=$(swift build "${SWIFTPM[@]}" --show-bin-path)/sparsevar-cli
  export SPARSEVAR_CLI
fi
for path in tests/abi tests/cli bindings/python/tests tests/calibration; do
  if [ -d "$path" ]; then test_paths+=("$path"); fi
done
if ((${#test_paths[@]})); then
  python3 -m pytest "${test_paths[@]}" -q
else
  note "skipped: no test directories"
fi

PASSED=$((PASSED + 1))
printf '\n==== test.sh: all %d sections passed in %ds ====\n' "$PASSED" $((SECONDS - START))
