# Sourced by suite.sh, last: the runtime's deploy directory gets sched.bpf.o as the FIFO scheduler, then the weighted
# vtime one under the same name. The kernel cannot replace a running sched_ext scheduler in place, so the runtime
# verifies the new one, detaches the old one, attaches the new one, and logs how long none ran. Then SIGTERM: the
# runtime detaches what it attached and exits 0. Results for SchedExtInVmTest.
scenario sched-switch
ops() { cat /sys/kernel/sched_ext/root/ops 2>/dev/null; }
wait_ops() { while [ "$(ops)" != "$1" ]; do sleep 0.2; done; }
drop() { cp "$1" "$deploy/.sched.bpf.o.part" && mv "$deploy/.sched.bpf.o.part" "$deploy/sched.bpf.o"; }
mark=$(log_mark)
drop integration-tests/bpf/sched_fifo.bpf.o
wait_ops structops_fifo
result first "$(ops)"
step "sched-switch: replace"
drop integration-tests/bpf/sched_vtime.bpf.o
wait_ops structops_vtime
result second "$(ops)"
workers=$(( $(nproc) * 2 ))
for _ in $(seq "$workers"); do
  (i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done) &
done
for p in $(jobs -p); do [ "$p" = "$runtime" ] || wait "$p"; done
result workers "$workers"
record vars "vars structops_vtime --json"
# The deploy directory logs the gap once the handler has seen the new scheduler run.
while ! logged_since "$mark" | grep -q 'none attached for [0-9]* us'; do sleep 0.2; done
result switch_log "$(logged_since "$mark" | grep -o 'none attached for [0-9]* us' | head -n 1)"
step "sched-switch: SIGTERM"
kill -TERM "$runtime"
wait "$runtime"
result service_status $?
result state_stopped "$(cat /sys/kernel/sched_ext/state)"
result log_errors "$(logged_since "$mark" | grep ' ERROR ')"
