#!/bin/sh
# Runs in the VM: schedulers the kernel throws out, each loaded in a shell session so that the sched_ext handler
# watches it; the handler must say why. "recorded": sched_fail calls scx_bpf_error() after fail_after dispatches and
# its ops.exit records why in .data; "logged": the same with record_exit=0, so only the kernel log tells; "sysrq": the
# vtime scheduler, disabled by SysRq-S. Prints KEY=VALUE lines for SchedExtInVmTest.
R=runtime/bin/structops
state() { cat /sys/kernel/sched_ext/state; }
wait_state() {
  for _ in $(seq 300); do [ "$(state)" = "$1" ] && return 0; sleep 0.2; done
  return 1
}
# Work until the scheduler has dispatched fail_after times and given up.
work_until_thrown_out() {
  for _ in $(seq 30); do
    [ "$(state)" = enabled ] || break
    for _ in $(seq 4); do
      (i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done) &
    done
    wait
  done
}
# SysRq-S (capital: lower-case s is "sync") makes the kernel disable whatever BPF scheduler runs.
sysrq_s() { echo S > /proc/sysrq-trigger; }
session() { # tag map "load arguments" trigger
  {
    echo "load $3"
    wait_state enabled
    $4
    wait_state disabled
    # The handler's watcher looks four times a second, and lets ops.exit settle first.
    for _ in $(seq 50); do grep -q 'was disabled by the kernel' "$TMPDIR/$1.log" && break; sleep 0.2; done
    echo "echo BEGIN-LIST"
    echo "list --json"
    echo "echo END-LIST"
    echo "unload $2"
    echo "stop 0"
  } | $R > "$TMPDIR/$1.out" 2> "$TMPDIR/$1.log"
  echo "${1}_status=$?"
  echo "${1}_state=$(state)"
  echo "${1}_list=$(sed -n '/BEGIN-LIST/,/END-LIST/p' "$TMPDIR/$1.out" | sed '1d;$d' | sed 's/^g! //' | tr -d '\n')"
  echo "${1}_warning=$(grep -o "sched_ext scheduler .*was disabled by the kernel.*" "$TMPDIR/$1.log" | head -n 1)"
  grep -q ' ERROR ' "$TMPDIR/$1.log" && sed -n "s/^/${1}_log=/p" "$TMPDIR/$1.log"
}
session recorded structops_fail "--set 'fail_after=200,record_exit=1' integration-tests/bpf/sched_fail.bpf.o" \
  work_until_thrown_out
session logged structops_fail "--set 'fail_after=200,record_exit=0' integration-tests/bpf/sched_fail.bpf.o" \
  work_until_thrown_out
session sysrq structops_vtime "integration-tests/bpf/sched_vtime.bpf.o" sysrq_s
dmesg | sed -n 's/.*sched_ext: /kernel_log=/p'
