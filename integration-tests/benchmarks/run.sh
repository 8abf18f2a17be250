#!/usr/bin/env bash
# Runs structops's JMH benchmarks and, in the same run, their libbpf peers, and prints one line per comparison:
#   RATIO <name> structops/libbpf = <x>      (lower is better; 1.0 means as fast as libbpf)
# and the retained-heap figure of a parsed vmlinux. Needs gcc and libbpf-dev (installed by test-all).
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
root=$(cd "$here/../.." && pwd)
source "$root/runtime/bin/java-home.sh"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cd "$root"
mvn -B -q install -DskipTests -pl integration-tests/benchmarks -am
jar="$here/target/benchmarks.jar"

gcc -O2 -o "$work/btf_parse_lookup" "$here/c/btf_parse_lookup.c" -lbpf
libbpf_ms=$("$work/btf_parse_lookup" 5)

"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" \
  'BtfVmlinuxBenchmark\.(parseAndLookup|parseMappedOnce)$' -rf json -rff "$work/jmh.json" > "$work/jmh.log"
score() { # benchmark method -> mean ms/op
  python3 -c 'import json,sys
for r in json.load(open(sys.argv[1])):
    if r["benchmark"].endswith("." + sys.argv[2]): print(r["primaryMetric"]["score"])' "$work/jmh.json" "$1"
}
structops_ms=$(score parseAndLookup)

printf 'btf-vmlinux-parse-lookup: structops %.3f ms, libbpf %.3f ms (mean per iteration, warm)\n' "$structops_ms" "$libbpf_ms"
printf '  (the same bytes parsed as untrusted BTF, with every check the kernel already made repeated: %.3f ms)\n' \
  "$(score parseMappedOnce)"
python3 -c 'import sys; print("RATIO btf-vmlinux-parse-lookup structops/libbpf = %.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' \
  "$structops_ms" "$libbpf_ms"

# struct-ops-load-attach: needs a libbpf that knows .struct_ops.link (see c/libbpf-peer.sh) and a bpffs.
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
peer=$("$here/c/libbpf-peer.sh")
gcc -O2 -I"$peer/usr/include" -o "$work/load_attach" "$here/c/load_attach.c" "$here/c/shim.c" \
  "$(ls "$peer"/usr/lib/*/libbpf.a | head -n 1)" -lelf -lz
object="$root/integration-tests/bpf/tcp_cc_link.bpf.o"
libbpf_load_ms=$("$work/load_attach" "$object" 5)
"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -jar "$jar" 'StructOpsLoadBenchmark' -p object="$object" \
  -rf json -rff "$work/jmh-load.json" > "$work/jmh-load.log"
structops_load_ms=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[0]["primaryMetric"]["score"])' \
  "$work/jmh-load.json")
printf 'struct-ops-load-attach: structops %.3f ms, libbpf %.3f ms (open, load, attach, detach, close; warm)\n' \
  "$structops_load_ms" "$libbpf_load_ms"
python3 -c 'import sys; print("RATIO struct-ops-load-attach structops/libbpf = %.2f" % (float(sys.argv[1]) / float(sys.argv[2])))' \
  "$structops_load_ms" "$libbpf_load_ms"

"$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xmx1g -XX:+UseSerialGC \
  -cp "$jar" io.structops.kernel.btf.internal.RetainedHeap

# One-shot commands as whole processes, side by side with bpftool in this run (median of 21, runs alternating with
# the peer's, after one warm-up run each):
#   RATIO cli-<command> structops/bpftool = <x>             standalone: a fresh runtime per command
#   RATIO cli-service-<command> structops/bpftool = <x>     handed to a running service over its command socket
# The service deploys tcp_cc_link.bpf.o, so that `dump` has a map to show (bpftool's peer: struct_ops dump name).
"$root/runtime/bin/build" -o -q >/dev/null 2>&1 || "$root/runtime/bin/build" >/dev/null
mkdir -p "$work/deploy"
python3 - "$root/runtime/bin/structops" "$work" "$object" <<'PY'
import os, shutil, statistics, subprocess, sys, time
structops, work, object = sys.argv[1], sys.argv[2], sys.argv[3]
socket = os.path.join(work, "run", "structops.sock")
RUNS = 21
def timed(cmd, env):
    t = time.perf_counter()
    subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t
def report(name, ours, peer, env, how):
    # Each run of ours is followed by one of the peer's, so that both see the same moment of a machine whose speed
    # drifts (a shared virtual machine's does, by a quarter within a minute).
    e = dict(os.environ, **(env or {}))
    timed(ours, e)
    timed(peer, os.environ)
    a, b = [], []
    for _ in range(RUNS):
        a.append(timed(ours, e))
        b.append(timed(peer, os.environ))
    a, b = statistics.median(a), statistics.median(b)
    print("%s: structops %.3f s, bpftool %.3f s (%s, median of %d, alternating)" % (name, a, b, how, RUNS))
    print("RATIO %s structops/bpftool = %.1f" % (name, a / b))
vmlinux = "/sys/kernel/btf/vmlinux"
peer_list = ["bpftool", "struct_ops", "list"]
standalone = {"STRUCTOPS_STANDALONE": "1"}
report("cli-list", [structops, "list"], peer_list, standalone, "whole process, fresh runtime")
report("cli-status", [structops, "status"], peer_list, standalone, "whole process, fresh runtime")
report("cli-btf-dump-raw", [structops, "btf", "dump", vmlinux, "--format", "raw"],
       ["bpftool", "btf", "dump", "file", vmlinux, "format", "raw"], standalone, "whole process, fresh runtime")
shutil.copy(object, os.path.join(work, "deploy", "link.bpf.o"))
service = subprocess.Popen([structops, "--deploy", os.path.join(work, "deploy"), "--no-shell"],
                           env=dict(os.environ, STRUCTOPS_SOCKET=socket), stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    served = {"STRUCTOPS_SOCKET": socket, "STRUCTOPS_STANDALONE": "0"}
    deadline = time.time() + 120
    while time.time() < deadline:
        listed = subprocess.run([structops, "list"], env=dict(os.environ, **served), capture_output=True, text=True)
        if os.path.exists(socket) and "structops_fixed" in listed.stdout:
            break
        time.sleep(0.5)
    peer_dump = ["bpftool", "struct_ops", "dump", "name", "structops_fixed"]
    report("cli-dump", [structops, "dump", "structops_fixed"], peer_dump, standalone, "whole process, fresh runtime")
    for command in ["list", "status", "deployed", "handlers"]:
        report("cli-service-" + command, [structops, command], peer_list, served, "whole process, service running")
    report("cli-service-dump", [structops, "dump", "structops_fixed"], peer_dump, served,
           "whole process, service running")
finally:
    service.terminate()
    service.wait(60)
PY
