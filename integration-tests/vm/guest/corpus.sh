# Sourced by suite.sh (in the VM) and by integration-tests/corpus/check-host (on this machine): the corpus, objects
# nobody here wrote (integration-tests/corpus/build), struct_ops map by struct_ops map. libbpf 1.5 (the peer) opens
# the object with only that map created, loads, attaches and detaches it; structops loads the same map with
# `load --only`, runs it (traffic for a congestion control, the CPU-bound loops for a scheduler, traffic through a
# qdisc put on lo), dumps it and unloads it. Each map gives one result "OBJECT:MAP=libbpf=ok|refused
# structops=ok|refused|failed same=yes|no" and the reasons as OBJECT:MAP:libbpf, :structops and :run; the test
# (CorpusOnKernelTest, CorpusInVmTest) prints them as COMPAT lines; a difference the objects file records as known
# ("# known OBJECT:MAP: why", or "# known OBJECT:MAP (SIGN): why" when only a failure in which structops said SIGN is
# that difference) comes with its reason and does not fail the test. Both loaders get what the object's own userspace
# would set (integration-tests/corpus/objects); the peer also fills sched_ext's enum copies, as SCX_ENUM_INIT does.
# Needs $corpus, $peer and $traffic; with $modules (the VM's), tcp_bbr and tcp_dctcp are loaded for the objects
# that call their functions.
scenario corpus
if [ -n "${modules:-}" ]; then
  insmod "$modules/tcp_bbr.ko" 2>/dev/null
  insmod "$modules/tcp_dctcp.ko" 2>/dev/null
fi
corpus_spin() { # CPU-bound shell loops, twice as many as CPUs, while a scheduler runs
  for _ in $(seq $(( $(nproc) * 2 ))); do
    (i=0; while [ $i -lt 3000 ]; do i=$((i+1)); done) &
  done
  for p in $(jobs -p); do [ "$p" = "$runtime" ] || wait "$p"; done
}
corpus_member() { # NAME: a char[] member's text from the dump in $answer ("name": "\"cubic\"")
  printf '%s' "$answer" | sed -n "s/.*\"$1\": \"\\\\\"\\([^\\\\]*\\)\\\\\"\".*/\\1/p"
}
corpus_run() { # what the attached map does under load, by its kernel struct; fails with a reason on stdout
  case "$answer" in
    *'"type": "tcp_congestion_ops"'*)
      algo=$(corpus_member name)
      # With ECN, as the selftests run them: DCTCP-based algorithms fall back to dctcp-reno on a connection without.
      ecn=$(cat /proc/sys/net/ipv4/tcp_ecn)
      echo 1 > /proc/sys/net/ipv4/tcp_ecn
      "$traffic" "$algo" 1048576 2>&1; status=$?
      echo "$ecn" > /proc/sys/net/ipv4/tcp_ecn
      return $status ;;
    *'"type": "sched_ext_ops"'*)
      corpus_spin
      state=$(cat /sys/kernel/sched_ext/state)
      [ "$state" = enabled ] || {
        # Why the kernel threw it out, in its own words (a stall, an scx_bpf_error, a verifier complaint at enable).
        echo "sched_ext state $state after the loops; the kernel log: $(dmesg | grep -i 'sched_ext' | tail -n 3)"
        return 1
      } ;;
    *'"type": "Qdisc_ops"'*)
      kind=$(corpus_member id)
      tc qdisc add dev lo root handle 1: "$kind" 2>&1 || return 1
      "$traffic" cubic 1048576 2>&1; status=$?
      tc qdisc del dev lo root 2>&1
      return $status ;;
    *) echo "nothing to run" ;;
  esac
}
corpus_structops() { # $map of $object through structops: load, dump, run, unload; sets $structops and $run_out
  ask "load $object --only $map $quoted--json"
  structops=refused run_out=""
  if [ -z "$asked_error" ]; then
    id=$(printf '%s' "$answer" | sed -n 's/.*"mapId": \([0-9]*\).*/\1/p')
    ask "dump $id --json"
    structops=ok
    [ -z "$asked_error" ] || { structops=failed; result "$key:dump" "$asked_error"; }
    run_out=$(corpus_run) || structops=failed
    result "$key:run" "$run_out"
    ask "unload $id"
    [ -z "$asked_error" ] || { structops=failed; result "$key:unload" "$asked_error"; }
  else
    result "$key:structops" "$asked_error"
  fi
}
corpus_cpus=$(( $(cut -d- -f2 /sys/devices/system/cpu/possible) + 1 ))
corpus_half=$(( corpus_cpus / 2 ))
corpus_list() { # EXPRESSION: "[e(0),e(1),...]", the shell arithmetic EXPRESSION of i for every possible CPU i
  list="" i=0
  while [ $i -lt $corpus_cpus ]; do list="$list${list:+,}$(( $1 ))"; i=$((i + 1)); done
  printf '[%s]' "$list"
}
for object in "$corpus"/*.bpf.o; do
  name=$(basename "$object" .bpf.o)
  options=$(awk -v n="$name" '$3 == n { for (i = 4; i <= NF; i++) printf "%s ", $i }' integration-tests/corpus/objects \
    | sed -e "s/@CPUS@/$corpus_cpus/g" -e "s/@HALF_CPUS@/$corpus_half/g" \
      -e "s/@PAIR_CPU@/$(corpus_list "(i + corpus_half) % corpus_cpus")/g" \
      -e "s/@PAIR_ID@/$(corpus_list "i % corpus_half")/g" -e "s/@IN_PAIR_IDX@/$(corpus_list "i / corpus_half")/g")
  step "corpus: $name"
  for map in $("$peer" --list "$object"); do
    key=$name:$map
    # shellcheck disable=SC2086 # the options are words
    if peer_error=$("$peer" --attach --only "$map" $options "$object" 2>&1 >/dev/null); then libbpf=ok
    else libbpf=refused; fi
    result "$key:libbpf" "$peer_error"
    # Quoted for Gogo, where an array value's brackets would otherwise be a list: each option word in single quotes.
    # shellcheck disable=SC2086 # the options are words
    quoted=$(for word in $options; do printf "'%s' " "$word"; done)
    corpus_structops
    if [ "$libbpf" = "$structops" ]; then same=yes; else same=no; fi
    result "$key" "libbpf=$libbpf structops=$structops same=$same"
    # The entry after its key: ": why", or " (SIGN): why" for a difference known only when structops said SIGN.
    known=$(sed -n "s/^# known $name:$map\([ :]\)/\1/p" integration-tests/corpus/objects)
    [ -z "$known" ] || result "$key:known" "$known"
  done
done
result skipped "$(cat "$corpus/skipped")"
if [ -n "${modules:-}" ]; then
  # Freed programs drop their module references after an RCU grace period.
  for _ in $(seq 50); do rmmod tcp_bbr 2>/dev/null && break; sleep 0.2; done
  rmmod tcp_dctcp 2>/dev/null
fi
