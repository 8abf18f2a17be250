#!/usr/bin/env bash
# Provides a libbpf new enough for .struct_ops.link (Debian bookworm's 1.1 predates it) as the benchmarks' peer:
# Debian trixie's libbpf-dev, fetched with apt-get download through a private sources list that points at the
# mirror this machine already uses, and unpacked (not installed) into a cache directory. Prints that directory.
# trixie's static library calls glibc 2.38's __isoc23_* functions; shim.c maps them to bookworm's.
set -euo pipefail
cache="${STRUCTOPS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/structops}/libbpf-trixie"
if [ -f "$cache/root/usr/lib/x86_64-linux-gnu/libbpf.a" ] || ls "$cache"/root/usr/lib/*/libbpf.a >/dev/null 2>&1; then
  echo "$cache/root"
  exit 0
fi
mkdir -p "$cache/lists/partial" "$cache/archives/partial"
uri=$(sed -n 's/^URIs: *\(.*\/debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)
[ -n "$uri" ] || uri=$(sed -n 's/^deb \([^ ]*\/debian\) .*/\1/p' /etc/apt/sources.list 2>/dev/null | head -n 1)
[ -n "$uri" ] || { echo "libbpf-peer: no Debian mirror found in this machine's apt sources" >&2; exit 1; }
cat > "$cache/trixie.sources" <<SRC
Types: deb
URIs: $uri
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt=(-o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$cache/parts" -o Dir::State::Lists="$cache/lists"
     -o Dir::Cache::Archives="$cache/archives" -o Debug::NoLocking=1)
mkdir -p "$cache/parts"
cp "$cache/trixie.sources" "$cache/parts/trixie.sources"
apt-get "${apt[@]}" -qq update >&2
(cd "$cache/archives" && apt-get "${apt[@]}" -qq download libbpf-dev >&2)
mkdir -p "$cache/root"
dpkg-deb -x "$(ls "$cache"/archives/libbpf-dev_*.deb | head -n 1)" "$cache/root"
echo "$cache/root"
