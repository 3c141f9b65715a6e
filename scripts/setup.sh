#!/usr/bin/env bash
# Installs what sparsevar's build and tests need, and only what is missing, so that running it
# again changes nothing (scripts/test.sh runs it first):
#   - Debian packages libopenblas-dev liblapacke-dev libpng-dev libhdf5-dev (the command-line tool's
#     HDF5 and NWB input) cmake pkg-config g++, and clang with libclang-rt-dev (libFuzzer, for
#     tests/fuzz) (apt-get update and install, only when one of them is absent; sudo when not root);
#   - Python packages numpy scipy scikit-learn pytest matplotlib dask[distributed] tqdm
#     threadpoolctl tifffile h5py pynwb (pip, only those that cannot be imported; matplotlib draws
#     the Python example's figures and sparsevar.plot's; dask, tqdm and threadpoolctl run the tests
#     of sparsevar.distributed; tifffile, h5py and pynwb are the optional readers of
#     sparsevar.readers, tested).
# The Swift 6.3 toolchain is not installed here: it must be on PATH, or in /opt/swift/usr/bin.
set -euo pipefail

say() { printf 'setup.sh: %s\n' "$*"; }

# ---- Debian packages ---------------------------------------------------------------------------
apt_packages=(libopenblas-dev liblapacke-dev libpng-dev libhdf5-dev cmake pkg-config g++ clang libclang-rt-dev)
if command -v dpkg-query >/dev/null 2>&1; then
  missing=()
  for package in "${apt_packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
      missing+=("$package")
    fi
  done
  if ((${#missing[@]})); then
    sudo=()
    if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
    say "installing ${missing[*]}"
    "${sudo[@]}" apt-get update
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
  else
    say "Debian packages present: ${apt_packages[*]}"
  fi
else
  say "no dpkg-query: not a Debian system, install ${apt_packages[*]} (or equivalents) yourself"
fi

# ---- Python packages ---------------------------------------------------------------------------
python_packages=(numpy:numpy scipy:scipy scikit-learn:sklearn pytest:pytest matplotlib:matplotlib
                 "dask[distributed]:distributed" tqdm:tqdm threadpoolctl:threadpoolctl
                 tifffile:tifffile h5py:h5py pynwb:pynwb)  # pip name:module
missing=()
for pair in "${python_packages[@]}"; do
  if ! python3 -c "import ${pair#*:}" >/dev/null 2>&1; then missing+=("${pair%%:*}"); fi
done
if ((${#missing[@]})); then
  say "installing Python packages ${missing[*]}"
  pip_options=()
  # A distribution's own Python refuses pip installs (PEP 668); install for this user then.
  if python3 -c 'import sys, sysconfig, os; sys.exit(not os.path.exists(os.path.join(sysconfig.get_path("stdlib"), "EXTERNALLY-MANAGED")))'; then
    pip_options=(--user --break-system-packages)
  fi
  python3 -m pip install "${pip_options[@]}" "${missing[@]}"
else
  say "Python packages present: ${python_packages[*]%%:*}"
fi

# ---- Swift -------------------------------------------------------------------------------------
if command -v swift >/dev/null 2>&1; then
  say "$(swift --version 2>/dev/null | head -n 1)"
elif [ -x /opt/swift/usr/bin/swift ]; then
  say "Swift found in /opt/swift/usr/bin (not on PATH; scripts/test.sh adds it)"
else
  say "error: no Swift toolchain: install Swift 6.3 and put its usr/bin on PATH" >&2
  exit 1
fi
