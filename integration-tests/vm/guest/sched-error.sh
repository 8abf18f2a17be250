# Sourced by suite.sh: schedulers the kernel throws out, each watched by the sched_ext handler, which must say why.
# "recorded": sched_fail calls scx_bpf_error() after fail_after dispatches and its ops.exit records why in .data;
# "logged": the same with record_exit=0, so only the kernel log tells; "sysrq": the vtime scheduler, disabled by
# SysRq-S. Results for SchedExtInVmTest.
scenario sched-error
state() { cat /sys/kernel/sched_ext/state; }
wait_state() { while [ "$(state)" != "$1" ]; do sleep 0.2; done; }
# Work until the scheduler has dispatched fail_after times and given up.
work_until_thrown_out() {
  for _ in $(seq 30); do
    [ "$(state)" = enabled ] || break
    for _ in $(seq 4); do
      (i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done) &
    done
    for p in $(jobs -p); do [ "$p" = "$runtime" ] || wait "$p"; done
  done
}
# SysRq-S (capital: lower-case s is "sync") makes the kernel disable whatever BPF scheduler runs.
sysrq_s() { echo S > /proc/sysrq-trigger; }
thrown_out() { # tag map "load arguments" trigger
  step "sched-error: $1"
  local mark
  mark=$(log_mark)
  # The load returns once the scheduler is enabled; sched_fail may be thrown out before the next line runs.
  record "${1}_load" "load $3"
  $4
  wait_state disabled
  # The handler's watcher looks four times a second, and lets ops.exit settle first.
  while ! logged_since "$mark" | grep -q 'was disabled by the kernel'; do sleep 0.2; done
  record "${1}_list" "list --json"
  record "${1}_unload" "unload $2"
  result "${1}_state" "$(state)"
  result "${1}_warning" "$(logged_since "$mark" | grep -o "sched_ext scheduler .*was disabled by the kernel.*" | head -n 1)"
  result "${1}_log_errors" "$(logged_since "$mark" | grep ' ERROR ')"
}
thrown_out recorded structops_fail "--set 'fail_after=200,record_exit=1' integration-tests/bpf/sched_fail.bpf.o" \
  work_until_thrown_out
thrown_out logged structops_fail "--set 'fail_after=200,record_exit=0' integration-tests/bpf/sched_fail.bpf.o" \
  work_until_thrown_out
thrown_out sysrq structops_vtime "integration-tests/bpf/sched_vtime.bpf.o" sysrq_s
result kernel_log "$(dmesg | sed -n 's/.*sched_ext: //p')"
