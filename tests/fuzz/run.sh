#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz against the installed libsparsevar.so and runs each
# for a bounded time on a copy of its committed seed corpus (scripts/test.sh runs this):
#
#   fuzz_model_load     sparsevar_autoencoder_load      corpus/model   (.svnet)
#   fuzz_model_payload  sparsevar_autoencoder_load      corpus/model   (the input as a payload with a
#                                                                       valid header and checksum)
#   fuzz_npy            sparsevar_dataset_add_run_file  corpus/npy     (.npy)
#   fuzz_tiff           sparsevar_dataset_add_run_file  corpus/tiff    (.tif)
#
#   bash tests/fuzz/run.sh [seconds per harness, default $SPARSEVAR_FUZZ_SECONDS or 20]
#
# Default: needs pkg-config finding sparsevar (scripts/test.sh exports PKG_CONFIG_PATH after
# installing into build/prefix) and a clang with libFuzzer: $FUZZ_CC, else Debian's /usr/bin/clang
# (packages clang and libclang-rt-dev, installed by scripts/setup.sh), else clang on PATH. The
# harnesses are built with -fsanitize=fuzzer,address,undefined; the library is the installed
# release build (not instrumented), so the fuzzer mutates without coverage guidance inside it:
# its findings are traps, hangs, sanitizer reports at the API boundary, and any status other than
# the documented ones (each harness aborts then).
#
# SPARSEVAR_FUZZ_COVERAGE=1: a deeper run. SwiftPM builds libsparsevar.so with AddressSanitizer and
# libFuzzer's coverage instrumentation (-sanitize-coverage=edge,trace-cmp,inline-8bit-counters,
# pc-table) into .build-fuzz (about 2 minutes), and the harnesses are built with the Swift
# toolchain's clang (the same LLVM as swiftc's instrumentation) against it: coverage-guided
# fuzzing of the readers themselves. Not part of scripts/test.sh (the build alone takes its time
# budget); run it for minutes after changing a reader.
#
# A finding stops the script with libFuzzer's crash-* file in $OUT/<harness>; fix its cause, then
# add the input to the corpus as corpus/<kind>/crash-<what>.
#
# New inputs found during a run stay in a scratch copy ($OUT), so the committed corpus changes
# only by hand. The mutation seed is fixed (SPARSEVAR_FUZZ_SEED, default 1), so the test command
# repeats the same inputs as far as the time allows; set it to 0 for a random one. OUT defaults to ${SPARSEVAR_BUILD_DIR:-build}/fuzz.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SECONDS_EACH=${1:-${SPARSEVAR_FUZZ_SECONDS:-20}}
BUILD=${SPARSEVAR_BUILD_DIR:-$ROOT/build}
case $BUILD in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
OUT=${OUT:-$BUILD/fuzz}
SEED=${SPARSEVAR_FUZZ_SEED:-1}  # a fixed seed: the test command's runs repeat (0 = libFuzzer picks)

SANITIZERS=fuzzer,address,undefined
if [ "${SPARSEVAR_FUZZ_COVERAGE:-0}" = 1 ]; then
  SCRATCH=$ROOT/.build-fuzz
  (cd "$ROOT" && swift build --scratch-path "$SCRATCH" --product sparsevar -Xswiftc -sanitize=address \
    -Xswiftc -sanitize-coverage=edge,trace-cmp,inline-8bit-counters,pc-table)
  LIBDIR=$SCRATCH/debug
  PKG_FLAGS=(-I"$ROOT/include" -L"$LIBDIR" -lsparsevar)
  CC_FUZZ=${FUZZ_CC:-$(dirname "$(readlink -f "$(command -v swift)")")/clang}
  SANITIZERS=fuzzer,address
else
  if [ -n "${FUZZ_CC:-}" ]; then
    CC_FUZZ=$FUZZ_CC
  elif [ -x /usr/bin/clang ]; then
    CC_FUZZ=/usr/bin/clang
  else
    CC_FUZZ=clang
  fi
  read -r -a PKG_FLAGS <<<"$(pkg-config --cflags --libs sparsevar)"
  LIBDIR=$(cd "$(pkg-config --variable=libdir sparsevar)" && pwd)  # absolute: the runs cd elsewhere
fi

rm -rf "$OUT"
mkdir -p "$OUT/bin"
build() {  # name, extra flags...
  local name=$1
  shift
  "$CC_FUZZ" -g -O1 -fsanitize=$SANITIZERS -fno-sanitize-recover=all \
    -Wall -Wextra -Werror "$@" "$HERE/fuzz_input.c" "${PKG_FLAGS[@]}" -Wl,-rpath,"$LIBDIR" \
    -o "$OUT/bin/$name" 2> >(grep -v "Cannot export local symbol" >&2)
}
build fuzz_model_load "$HERE/fuzz_model_load.c"
build fuzz_model_payload "$HERE/fuzz_model_payload.c"
build fuzz_npy -DFUZZ_EXTENSION='".npy"' "$HERE/fuzz_frame_file.c"
build fuzz_tiff -DFUZZ_EXTENSION='".tif"' "$HERE/fuzz_frame_file.c"
echo "run.sh: built with $("$CC_FUZZ" --version | head -n 1)"

run() {  # harness, corpus kind
  local harness=$1 kind=$2
  local corpus=$OUT/$harness-corpus
  mkdir -p "$corpus" "$OUT/$harness"
  cp "$HERE/corpus/$kind"/* "$corpus/"
  # The library may use several threads; leaks are checked by the C tests, not here.
  (cd "$OUT/$harness" &&
    ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=1 \
      "$OUT/bin/$harness" -seed="$SEED" -max_total_time="$SECONDS_EACH" -timeout=20 -rss_limit_mb=4096 \
      -max_len=65536 -print_final_stats=1 "$corpus" >"$OUT/$harness.log" 2>&1) || {
    echo "run.sh: $harness FOUND A PROBLEM (inputs in $OUT/$harness):" >&2
    tail -n 40 "$OUT/$harness.log" >&2
    return 1
  }
  local runs
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$OUT/$harness.log" | grep -o '[0-9]*$' || echo "?")
  echo "run.sh: $harness: $runs inputs in ${SECONDS_EACH}s, no finding ($(ls "$corpus" | wc -l) in its corpus)"
}
run fuzz_model_load model
run fuzz_model_payload model
run fuzz_npy npy
run fuzz_tiff tiff
