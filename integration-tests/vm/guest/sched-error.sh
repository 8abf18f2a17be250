#!/bin/sh
# Runs in the VM: a scheduler that calls scx_bpf_error() after fail_after dispatches, loaded in a shell session so that
# the sched_ext handler watches it. The kernel throws it out; the handler explains why, once from the exit record
# ops.exit fills in .data, once (record_exit=0) from the kernel log. Prints KEY=VALUE lines for SchedExtInVmTest.
R=runtime/bin/structops
state() { cat /sys/kernel/sched_ext/state; }
wait_state() {
  for _ in $(seq 300); do [ "$(state)" = "$1" ] && return 0; sleep 0.2; done
  return 1
}
session() { # tag record_exit
  {
    echo "load --set 'fail_after=200,record_exit=$2' integration-tests/bpf/sched_fail.bpf.o"
    wait_state enabled
    # Work until the scheduler has dispatched fail_after times and given up.
    for _ in $(seq 30); do
      [ "$(state)" = enabled ] || break
      for _ in $(seq 4); do
        (i=0; while [ $i -lt 2000 ]; do i=$((i+1)); done) &
      done
      wait
    done
    wait_state disabled
    # The handler's watcher looks four times a second, and lets ops.exit settle first.
    for _ in $(seq 50); do grep -q 'was disabled by the kernel' "$TMPDIR/$1.log" && break; sleep 0.2; done
    echo "echo BEGIN-LIST"
    echo "list --json"
    echo "echo END-LIST"
    echo "unload structops_fail"
    echo "stop 0"
  } | $R > "$TMPDIR/$1.out" 2> "$TMPDIR/$1.log"
  echo "${1}_status=$?"
  echo "${1}_state=$(state)"
  echo "${1}_list=$(sed -n '/BEGIN-LIST/,/END-LIST/p' "$TMPDIR/$1.out" | sed '1d;$d' | sed 's/^g! //' | tr -d '\n')"
  echo "${1}_warning=$(grep -o 'sched_ext scheduler structops_fail .*was disabled by the kernel.*' "$TMPDIR/$1.log" | head -n 1)"
  grep -q ' ERROR ' "$TMPDIR/$1.log" && sed -n "s/^/${1}_log=/p" "$TMPDIR/$1.log"
}
session recorded 1
session logged 0
dmesg | sed -n 's/.*sched_ext: /kernel_log=/p'
