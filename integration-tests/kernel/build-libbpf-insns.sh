#!/usr/bin/env bash
# Builds the libbpf peer helper (libbpf_insns.c) against Debian trixie's libbpf 1.5 (benchmarks/c/libbpf-peer.sh
# fetches it into the cache) into the file named by $1. Used by the loader's peer test and by the VM tests, which
# run the helper inside the guest.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
peer="$here/../benchmarks/c"
root=$("$peer/libbpf-peer.sh")
lib=$(ls "$root"/usr/lib/*/libbpf.a | head -n 1)
gcc -O2 -I"$root/usr/include" -o "$1" "$here/libbpf_insns.c" "$peer/shim.c" "$lib" -lelf -lz
