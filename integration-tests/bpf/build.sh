#!/usr/bin/env bash
# Rebuilds the example BPF objects from their C sources with Debian's clang, or, with --check, rebuilds them in a
# temporary directory and fails if any differs from the committed object. The committed objects let every test run
# without clang; the check keeps them honest. Objects depend on the clang version, so --check only compares when
# the installed clang is the one recorded in CLANG_VERSION (and says so when it is not).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
cd "$here"

mode=build
[ "${1:-}" = "--check" ] && mode=check

command -v clang >/dev/null || { echo "build.sh: clang is not installed (apt-get install -y clang llvm libbpf-dev)" >&2; exit 1; }
[ -f /usr/include/bpf/bpf_helpers.h ] || { echo "build.sh: libbpf headers missing (apt-get install -y libbpf-dev)" >&2; exit 1; }

version=$(clang --version | head -n 1)
out="$here"
if [ "$mode" = check ]; then
  if [ "$version" != "$(cat CLANG_VERSION)" ]; then
    echo "build.sh --check: skipped: installed '$version' differs from the recorded '$(cat CLANG_VERSION)'"
    exit 0
  fi
  out=$(mktemp -d)
  trap 'rm -rf "$out"' EXIT
fi

# -fdebug-compilation-dir keeps the checkout's path out of the debug info, so objects are reproducible anywhere.
cflags=(-O2 -g -Wall -Werror -D__TARGET_ARCH_x86 -I. -idirafter "/usr/include/$(gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)" -fdebug-compilation-dir=.)
build() { # source target object
  clang "${cflags[@]}" -target "$2" -c "$1" -o "$out/$3"
  llvm-strip -g "$out/$3" 2>/dev/null || true  # DWARF is not needed: BTF carries the types and line info
}
for src in *.bpf.c; do
  base=${src%.c}
  build "$src" bpf "$base.o"
done
# One big-endian object so the ELF reader's byte-order handling is tested on real output.
build tcp_cc_link.bpf.c bpfeb tcp_cc_link.bpfeb.o

if [ "$mode" = check ]; then
  status=0
  for o in "$out"/*.o; do
    if ! cmp -s "$o" "$here/$(basename "$o")"; then
      echo "build.sh --check: $(basename "$o") does not match its source; run integration-tests/bpf/build.sh" >&2
      status=1
    fi
  done
  [ $status = 0 ] && echo "build.sh --check: $(ls "$out"/*.o | wc -l) objects match their sources"
  exit $status
fi
echo "$version" > CLANG_VERSION
ls -l "$here"/*.o
