#!/bin/sh
# Runs in the VM: the runtime as a service on a deploy directory; sched.bpf.o is dropped in as the FIFO scheduler,
# then replaced by the weighted vtime one. The kernel cannot replace a running sched_ext scheduler in place, so the
# service verifies the new one, then detaches the old one and attaches the new one, and logs how long none ran. Prints KEY=VALUE lines for
# SchedExtInVmTest.
R=runtime/bin/structops
D="$TMPDIR/deploy"
mkdir -p "$D"
ops() { cat /sys/kernel/sched_ext/root/ops 2>/dev/null; }
wait_ops() {
  for _ in $(seq 900); do [ "$(ops)" = "$1" ] && return 0; sleep 0.2; done
  return 1
}
drop() { cp "$1" "$D/.sched.bpf.o.part" && mv "$D/.sched.bpf.o.part" "$D/sched.bpf.o"; }
$R --deploy "$D" --no-shell 2> "$TMPDIR/service.log" &
service=$!
drop integration-tests/bpf/sched_fifo.bpf.o
wait_ops structops_fifo
echo "first=$(ops)"
drop integration-tests/bpf/sched_vtime.bpf.o
wait_ops structops_vtime
echo "second=$(ops)"
workers=$(( $(nproc) * 2 ))
for _ in $(seq "$workers"); do
  (i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done) &
done
wait_jobs() { for p in $(jobs -p); do [ "$p" = "$service" ] || wait "$p"; done; }
wait_jobs
echo "workers=$workers"
echo "vars="
$R vars structops_vtime --json | tr -d '\n'
echo
echo "switch_log=$(grep -o 'none attached for [0-9]* us' "$TMPDIR/service.log" | head -n 1)"
kill -TERM "$service"
wait "$service"
echo "service_status=$?"
echo "state_stopped=$(cat /sys/kernel/sched_ext/state)"
grep -q ERROR "$TMPDIR/service.log" && sed -n 's/^/service_log=/p' "$TMPDIR/service.log"
dmesg | sed -n 's/.*sched_ext: /kernel_log=/p'
