# Sourced by suite.sh: loads the FIFO scheduler (pinned, as `load --pin`), is refused a second scheduler while it
# runs, puts more CPU-bound shell loops than CPUs through it, reads its counters, unloads it; then the weighted vtime
# one. Results for SchedExtInVmTest.
scenario sched-fifo
state() { cat /sys/kernel/sched_ext/state; }
spin() { # CPU-bound shell loops, twice as many as CPUs
  for _ in $(seq "$workers"); do
    (i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done) &
  done
  wait_jobs
}
wait_jobs() { for p in $(jobs -p); do [ "$p" = "$runtime" ] || wait "$p"; done; }
workers=$(( $(nproc) * 2 ))
mark=$(log_mark)
result state_before "$(state)"
record load "load integration-tests/bpf/sched_fifo.bpf.o --pin /sys/fs/bpf/fifo"
result state_loaded "$(state)"
result root_ops "$(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)"
# A second scheduler while one runs: the sched_ext handler refuses it, naming the one that runs.
record second_load "load integration-tests/bpf/sched_fifo.bpf.o"
spin
result workers "$workers"
record vars "vars structops_fifo --json"
record unload "unload structops_fifo"
result state_unloaded "$(state)"
rm -rf /sys/fs/bpf/fifo
step "sched-fifo: vtime"
record vtime_load "load integration-tests/bpf/sched_vtime.bpf.o --pin /sys/fs/bpf/vtime"
result vtime_state_loaded "$(state)"
result vtime_root_ops "$(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)"
spin
record vtime_vars "vars structops_vtime --json"
record vtime_unload "unload structops_vtime"
result vtime_state_unloaded "$(state)"
rm -rf /sys/fs/bpf/vtime
result kernel_log "$(dmesg | sed -n 's/.*sched_ext: //p')"
result log_errors "$(logged_since "$mark" | grep ' ERROR ')"
