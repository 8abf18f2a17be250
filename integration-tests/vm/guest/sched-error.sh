#!/bin/sh
# Runs in the VM: a scheduler that calls scx_bpf_error() after fail_after dispatches (set at load). The kernel throws
# it out; its ops.exit recorded why in .data. Prints KEY=VALUE lines for SchedExtInVmTest.
R=runtime/bin/structops
$R load integration-tests/bpf/sched_fail.bpf.o --pin /sys/fs/bpf/fail --set fail_after=50
echo "load_status=$?"
for _ in $(seq 4); do
  (i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done) &
done
wait
for _ in $(seq 300); do [ "$(cat /sys/kernel/sched_ext/state)" = disabled ] && break; sleep 0.2; done
echo "state_after_error=$(cat /sys/kernel/sched_ext/state)"
echo "vars="
$R vars structops_fail --json | tr -d '\n'
echo
$R unload structops_fail
echo "unload_status=$?"
rm -rf /sys/fs/bpf/fail
dmesg | sed -n 's/.*sched_ext: /kernel_log=/p'
