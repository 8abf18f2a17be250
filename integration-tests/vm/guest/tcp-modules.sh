# Sourced by suite.sh: congestion controls that call kernel modules' functions (integration-tests/bpf/tcp_cc_module.bpf.c).
# Before the modules are loaded, inspect finds none of their functions; after insmod of tcp_bbr and tcp_dctcp, the
# same runtime finds them in the modules' BTF with an fd_array slot each, loads, carries traffic through both
# algorithms and reads the counters (one read from BBR's private state, a type only the module's BTF has, through
# CO-RE). libbpf (the peer) resolves the same object in the guest. While attached, the modules cannot be removed;
# once unloaded, they can. Results for TcpModulesInVmTest.
scenario tcp-modules
O=integration-tests/bpf/tcp_cc_module.bpf.o
available() { cat /proc/sys/net/ipv4/tcp_available_congestion_control; }
mark=$(log_mark)
record inspect_before "inspect $O --json"
insmod "$modules/tcp_bbr.ko"; result insmod_bbr $?
insmod "$modules/tcp_dctcp.ko"; result insmod_dctcp $?
record inspect_after "inspect $O --json"
record load "load $O"
result available_loaded "$(available)"
step "tcp-modules: traffic"
result traffic_bbr "$("$traffic" structops_bbr)"
result traffic_dctcp "$("$traffic" structops_dctcp)"
record vars "vars structops_bbr --json"
# The loaded programs hold references on the modules they call.
rmmod tcp_bbr 2> "$TMPDIR/rmmod.err"; result rmmod_attached_status $?
result rmmod_attached_error "$(cat "$TMPDIR/rmmod.err")"
# Unloading one map unloads its object: both algorithms go.
record unload "unload structops_bbr"
result available_unloaded "$(available)"
step "tcp-modules: libbpf"
"$peer" "$O" > "$TMPDIR/peer.out"
result peer "$(grep -E '^[a-z_]+ [0-9]+ 133 0 2 ' "$TMPDIR/peer.out" | tr '\n' ';')"
result peer_main "$(grep '^mbbr_main ' "$TMPDIR/peer.out" | tr '\n' ';')"
# Freed programs drop their module references after an RCU grace period.
for _ in $(seq 50); do rmmod tcp_bbr 2>/dev/null && break; sleep 0.2; done
result rmmod_after "$(grep -c '^tcp_bbr ' /proc/modules)"
rmmod tcp_dctcp 2>/dev/null
result log_errors "$(logged_since "$mark" | grep ' ERROR ')"
