#!/bin/sh
# Runs in the VM: a struct_ops type offered by a module (integration-tests/vm/module, structops_demo_ops), not by
# vmlinux. Before insmod, load names the missing type. After it, one shell session finds the type (status), inspects
# and loads the link-based integration-tests/bpf/module_ops.bpf.o (which also reads a per-CPU variable of the
# module's), has the module call it (reading /proc/structops_demo), dumps and lists it, is refused a second map (the
# module takes one at a time) with the first left attached, swaps it for a new map on the same link, unloads it,
# then lists, dumps and unloads the legacy module_ops_legacy.bpf.o, which a one-shot load in another process
# registered. libbpf (the peer) creates the same map in the guest. While a map of its type exists, the module
# cannot be removed; once all are gone, it can, and the session holds no BTF descriptor. Prints KEY=VALUE lines for
# ModuleStructOpsInVmTest.
#
#   module-ops.sh STRUCTOPS_DEMO_KO LIBBPF_INSNS
module=$1
peer=$2
R=runtime/bin/structops
O=integration-tests/bpf/module_ops.bpf.o
L=integration-tests/bpf/module_ops_legacy.bpf.o
. integration-tests/vm/guest/session.sh
btf_fds() { # BTF objects the session's JVM holds open
  ls -l "/proc/$(pgrep -f 'structops.jar' | head -n 1)/fd" 2>/dev/null | grep -c 'anon_inode:btf'
}
echo "load_before_insmod=$($R load "$O" 2>&1 | tail -n 1)"
insmod "$module"; echo "insmod=$?"
echo "btf_module=$(ls /sys/kernel/btf | grep -c '^structops_demo$')"
: > "$out"
{
  echo "echo STATUS-BEGIN"
  echo "status --json"
  echo "echo STATUS-END"
  wait_for STATUS-END
  echo "btf_fds_before=$(btf_fds)" >> "$TMPDIR/results"
  echo "echo INSPECT-BEGIN"
  echo "inspect $O --json"
  echo "echo INSPECT-END"
  echo "load $O"
  echo "echo LIST-BEGIN"
  echo "list --json"
  echo "echo LIST-END"
  echo "echo DUMP-BEGIN"
  echo "dump structops_demo --json"
  echo "echo DUMP-END"
  wait_for DUMP-END
  echo "proc_link=$(cat /proc/structops_demo)" >> "$TMPDIR/results"
  echo "btf_fds_attached=$(btf_fds)" >> "$TMPDIR/results"
  echo "map_ours=$(bpftool -j map show name structops_demo)" >> "$TMPDIR/results"
  echo "echo VARS-BEGIN"
  echo "vars structops_demo --json"
  echo "echo VARS-END"
  echo "echo BUSY-BEGIN"
  echo "load $L"
  echo "echo BUSY-END"
  wait_for BUSY-END
  echo "proc_after_busy=$(cat /proc/structops_demo)" >> "$TMPDIR/results"
  rmmod structops_demo 2> "$TMPDIR/rmmod.err"; echo "rmmod_attached_status=$?" >> "$TMPDIR/results"
  echo "rmmod_attached_error=$(cat "$TMPDIR/rmmod.err")" >> "$TMPDIR/results"
  echo "echo SWAP-BEGIN"
  echo "swap structops_demo $O --json"
  echo "echo SWAP-END"
  wait_for SWAP-END
  echo "proc_swapped=$(cat /proc/structops_demo)" >> "$TMPDIR/results"
  echo "unload structops_demo"
  echo "echo UNLOADED"
  wait_for UNLOADED
  echo "proc_unloaded=$(cat /proc/structops_demo)" >> "$TMPDIR/results"
  # The legacy map comes from another process (a one-shot load, after which a legacy map stays registered): this
  # session lists, dumps and unloads a map it does not own, whose type only the module's BTF describes.
  echo "oneshot_legacy=$($R load "$L" 2>&1 | tail -n 1)" >> "$TMPDIR/results"
  echo "echo FOREIGN-BEGIN"
  echo "list --json"
  echo "echo FOREIGN-END"
  echo "echo LEGACY-BEGIN"
  echo "dump structops_demo_legacy --json"
  echo "echo LEGACY-END"
  wait_for LEGACY-END
  echo "proc_legacy=$(cat /proc/structops_demo)" >> "$TMPDIR/results"
  echo "unload structops_demo_legacy"
  echo "echo LIST2-BEGIN"
  echo "list --json"
  echo "echo LIST2-END"
  wait_for LIST2-END
  echo "btf_fds_after=$(btf_fds)" >> "$TMPDIR/results"
  echo "stop 0"
} | $R > "$out" 2> "$TMPDIR/session.log"
echo "session_status=$?"
cat "$TMPDIR/results"
echo "status=$(between STATUS-BEGIN STATUS-END)"
echo "inspect=$(between INSPECT-BEGIN INSPECT-END)"
echo "list=$(between LIST-BEGIN LIST-END)"
echo "dump=$(between DUMP-BEGIN DUMP-END)"
echo "vars=$(between VARS-BEGIN VARS-END)"
echo "busy=$(between BUSY-BEGIN BUSY-END)"
echo "swap=$(between SWAP-BEGIN SWAP-END)"
echo "foreign=$(between FOREIGN-BEGIN FOREIGN-END)"
echo "legacy=$(between LEGACY-BEGIN LEGACY-END)"
echo "list_after=$(between LIST2-BEGIN LIST2-END)"
echo "proc_after=$(cat /proc/structops_demo)"
# Nothing of the objects' is left in the kernel: no program, no struct_ops map.
echo "programs_left=$(bpftool prog show 2>/dev/null | grep -c 'times_six\|plus_hundred\|remember_regist')"
echo "maps_left=$(bpftool map show 2>/dev/null | grep -c 'struct_ops')"
# The peer: libbpf 1.5 creates the same map (created, not attached: a link-based map registers only when linked).
"$peer" "$O" > "$TMPDIR/peer.out" 2>&1
echo "peer_map=$(grep '^map structops_demo ' "$TMPDIR/peer.out")"
# Its ld_imm64 of the module's variable: "times_six <index> 24 <dst> 3 <off> <BTF id>" (BPF_PSEUDO_BTF_ID).
echo "peer_ksym=$(grep '^times_six [0-9]* 24 [0-9]* 3 ' "$TMPDIR/peer.out")"
# A freed map drops its module reference after an RCU grace period.
for _ in $(seq 50); do rmmod structops_demo 2>/dev/null && break; sleep 0.2; done
echo "rmmod_after=$(grep -c '^structops_demo ' /proc/modules)"
grep -q ' ERROR ' "$TMPDIR/session.log" && sed -n 's/^/session_log=/p' "$TMPDIR/session.log"
exit 0
