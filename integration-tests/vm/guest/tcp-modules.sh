#!/bin/sh
# Runs in the VM: congestion controls that call kernel modules' functions (integration-tests/bpf/tcp_cc_module.bpf.c),
# in one shell session. Before the modules are loaded, inspect finds none of their functions; after insmod of tcp_bbr
# and tcp_dctcp, the same session finds them in the modules' BTF with an fd_array slot each, loads, carries traffic
# through both algorithms and reads the counters (one read from BBR's private state, a type only the module's BTF
# has, through CO-RE). libbpf (the peer) resolves the same object in the guest. While
# attached, the modules cannot be removed; once unloaded, they can. Prints KEY=VALUE lines for ModulesInVmTest.
#
#   tcp-modules.sh MODULES_DIR TCP_TRAFFIC LIBBPF_INSNS
modules=$1
traffic=$2
peer=$3
R=runtime/bin/structops
O=integration-tests/bpf/tcp_cc_module.bpf.o
. integration-tests/vm/guest/session.sh
available() { cat /proc/sys/net/ipv4/tcp_available_congestion_control; }
: > "$out"
{
  echo "echo BEFORE-BEGIN"
  echo "inspect $O --json"
  echo "echo BEFORE-END"
  wait_for BEFORE-END
  insmod "$modules/tcp_bbr.ko"; echo "insmod_bbr=$?" >> "$TMPDIR/results"
  insmod "$modules/tcp_dctcp.ko"; echo "insmod_dctcp=$?" >> "$TMPDIR/results"
  echo "echo AFTER-BEGIN"
  echo "inspect $O --json"
  echo "echo AFTER-END"
  echo "load $O"
  echo "echo LOADED"
  wait_for LOADED
  echo "available_loaded=$(available)" >> "$TMPDIR/results"
  echo "traffic_bbr=$("$traffic" structops_bbr)" >> "$TMPDIR/results"
  echo "traffic_dctcp=$("$traffic" structops_dctcp)" >> "$TMPDIR/results"
  echo "echo VARS-BEGIN"
  echo "vars structops_bbr --json"
  echo "echo VARS-END"
  wait_for VARS-END
  # The loaded programs hold references on the modules they call.
  rmmod tcp_bbr 2> "$TMPDIR/rmmod.err"; echo "rmmod_attached_status=$?" >> "$TMPDIR/results"
  echo "rmmod_attached_error=$(cat "$TMPDIR/rmmod.err")" >> "$TMPDIR/results"
  echo "unload structops_bbr"
  echo "unload structops_dctcp"
  echo "stop 0"
} | $R > "$out" 2> "$TMPDIR/session.log"
echo "session_status=$?"
cat "$TMPDIR/results"
echo "inspect_before=$(between BEFORE-BEGIN BEFORE-END)"
echo "inspect_after=$(between AFTER-BEGIN AFTER-END)"
echo "vars=$(between VARS-BEGIN VARS-END)"
echo "available_unloaded=$(available)"
"$peer" "$O" > "$TMPDIR/peer.out"
echo "peer=$(grep -E '^[a-z_]+ [0-9]+ 133 0 2 ' "$TMPDIR/peer.out" | tr '\n' ';')"
echo "peer_main=$(grep '^mbbr_main ' "$TMPDIR/peer.out" | tr '\n' ';')"
# Freed programs drop their module references after an RCU grace period.
for _ in $(seq 50); do rmmod tcp_bbr 2>/dev/null && break; sleep 0.2; done
echo "rmmod_after=$(grep -c '^tcp_bbr ' /proc/modules)"
rmmod tcp_dctcp 2>/dev/null
grep -q ' ERROR ' "$TMPDIR/session.log" && sed -n 's/^/session_log=/p' "$TMPDIR/session.log"
# What the session said when a command failed (a load's error names the step and the cause).
grep -i 'failed\|error' "$out" | sed 's/^g! //; s/^/session_error=/'
exit 0
