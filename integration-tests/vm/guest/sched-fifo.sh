#!/bin/sh
# Runs in the VM (vm-run) from the repository root: loads the FIFO scheduler with the launcher as a user would, puts
# more CPU-bound shell loops than CPUs through it, reads its counters, unloads it; then the weighted vtime one. Prints KEY=VALUE lines that
# SchedExtInVmTest checks; `vars` prints its JSON on the line after "vars=".
R=runtime/bin/structops
state() { cat /sys/kernel/sched_ext/state; }
echo "state_before=$(state)"
$R load integration-tests/bpf/sched_fifo.bpf.o --pin /sys/fs/bpf/fifo
echo "load_status=$?"
echo "state_loaded=$(state)"
echo "root_ops=$(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)"
echo "enable_seq=$(cat /sys/kernel/sched_ext/enable_seq)"
# A second scheduler while one runs: the sched_ext handler refuses it, naming the one that runs.
$R load integration-tests/bpf/sched_fifo.bpf.o 2> "$TMPDIR/second.err"
echo "second_load_status=$?"
echo "second_load_error=$(tail -n 1 "$TMPDIR/second.err")"
workers=$(( $(nproc) * 2 ))
for _ in $(seq "$workers"); do
  (i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done) &
done
wait
echo "workers=$workers"
echo "vars="
$R vars structops_fifo --json | tr -d '\n'
echo
$R unload structops_fifo
echo "unload_status=$?"
echo "state_unloaded=$(state)"
rm -rf /sys/fs/bpf/fifo
# The weighted vtime scheduler the same way.
$R load integration-tests/bpf/sched_vtime.bpf.o --pin /sys/fs/bpf/vtime
echo "vtime_load_status=$?"
echo "vtime_state_loaded=$(state)"
echo "vtime_root_ops=$(cat /sys/kernel/sched_ext/root/ops 2>/dev/null)"
for _ in $(seq "$workers"); do
  (i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done) &
done
wait
echo "vtime_vars="
$R vars structops_vtime --json | tr -d '\n'
echo
$R unload structops_vtime
echo "vtime_unload_status=$?"
echo "vtime_state_unloaded=$(state)"
rm -rf /sys/fs/bpf/vtime
dmesg | sed -n 's/.*sched_ext: /kernel_log=/p'
