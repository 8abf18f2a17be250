# Sourced by suite.sh: a struct_ops type offered by a module (integration-tests/vm/module, structops_demo_ops), not by
# vmlinux. Before insmod, load names the missing type. After it, the runtime finds the type (status), inspects and
# loads the link-based integration-tests/bpf/module_ops.bpf.o (which also reads a per-CPU variable of the module's),
# has the module call it (reading /proc/structops_demo), dumps and lists it, is refused a second map (the module
# takes one at a time) with the first left attached, swaps it for a new map on the same link, unloads it, then lists,
# dumps and unloads the legacy module_ops_legacy.bpf.o, which libbpf registered from another process. libbpf (the
# peer) creates the same map in the guest. While a map of its type exists, the module cannot be removed; once all
# are gone, it can, and the runtime holds no BTF descriptor of the module's. Results for ModuleStructOpsInVmTest.
scenario module-ops
O=integration-tests/bpf/module_ops.bpf.o
L=integration-tests/bpf/module_ops_legacy.bpf.o
btf_fds() { # BTF objects the runtime's JVM holds open
  ls -l "/proc/$(pgrep -f 'io[.]structops[.]launcher[.]Launcher' | head -n 1)/fd" 2>/dev/null | grep -c 'anon_inode:btf'
}
mark=$(log_mark)
record load_before_insmod "load $O"
insmod "$demo_module"; result insmod $?
result btf_module "$(ls /sys/kernel/btf | grep -c '^structops_demo$')"
record status "status --json"
result btf_fds_before "$(btf_fds)"
record inspect "inspect $O --json"
record load "load $O"
record list "list --json"
record dump "dump structops_demo --json"
result proc_link "$(cat /proc/structops_demo)"
result btf_fds_attached "$(btf_fds)"
result map_ours "$(bpftool -j map show name structops_demo)"
record vars "vars structops_demo --json"
record busy "load $L"
result proc_after_busy "$(cat /proc/structops_demo)"
rmmod structops_demo 2> "$TMPDIR/rmmod.err"; result rmmod_attached_status $?
result rmmod_attached_error "$(cat "$TMPDIR/rmmod.err")"
record swap "swap structops_demo $O --json"
result proc_swapped "$(cat /proc/structops_demo)"
record unload "unload structops_demo"
result proc_unloaded "$(cat /proc/structops_demo)"
# The legacy map comes from another process and another loader: libbpf registers it and exits, and a legacy map
# stays registered. The runtime lists, dumps and unloads a map it does not own, whose type only the module's BTF
# describes.
"$peer" --register "$L" > "$TMPDIR/peer-register.out" 2>&1; result registered_by_libbpf $?
record foreign "list --json"
record legacy "dump structops_demo_legacy --json"
result proc_legacy "$(cat /proc/structops_demo)"
record unload_legacy "unload structops_demo_legacy"
record list_after "list --json"
result btf_fds_after "$(btf_fds)"
result proc_after "$(cat /proc/structops_demo)"
# Nothing of the objects' is left in the kernel: no program, no struct_ops map.
result programs_left "$(bpftool prog show 2>/dev/null | grep -c 'times_six\|plus_hundred\|remember_regist')"
result maps_left "$(bpftool map show 2>/dev/null | grep -c 'struct_ops')"
# The peer: libbpf 1.5 creates the same map (created, not attached: a link-based map registers only when linked).
"$peer" "$O" > "$TMPDIR/peer.out" 2>&1
result peer_map "$(grep '^map structops_demo ' "$TMPDIR/peer.out")"
# Its ld_imm64 of the module's variable: "times_six <index> 24 <dst> 3 <off> <BTF id>" (BPF_PSEUDO_BTF_ID).
result peer_ksym "$(grep '^times_six [0-9]* 24 [0-9]* 3 ' "$TMPDIR/peer.out")"
# A freed map drops its module reference after an RCU grace period.
for _ in $(seq 50); do rmmod structops_demo 2>/dev/null && break; sleep 0.2; done
result rmmod_after "$(grep -c '^structops_demo ' /proc/modules)"
result log_errors "$(logged_since "$mark" | grep ' ERROR ')"
