# Sourced by suite.sh: the Qdisc_ops handler with the kernel's own bpf_qdisc_fifo (from the corpus). Loaded with
# `--option qdisc.devices=lo`, the handler puts the qdisc kind on lo (lo had the kernel's default, noqueue); TCP
# runs through it; `list` reports the counters tc reports; a second copy of the same kind is refused with nothing
# left; unloading gives lo its default back. A device that does not exist is refused before anything is loaded.
# Then the project's own link-based qdisc_bytes (integration-tests/bpf/vm, built into the corpus's own/) with a byte
# limit set, on a veth pair whose other end is in a namespace of the test's: put on so-v0, swapped for a fresh copy
# while TCP runs both ways across the pair (the connections must survive), its own counters beside tc's, unloaded;
# then swapped for qdisc_bytes_next, the same qdisc under a new id, which is attached beside it so that so-v0 is
# moved over with no gap; then the project's two-band priority qdisc_prio on the same pair; then the kernel's own
# bpf_qdisc_fq (a legacy map), swapped for a fresh copy under traffic; last, libbpf (the peer) attaches each own qdisc. tc's counters are read
# just before and just after each `list`, which must report counts between the two (a device may send something, a
# neighbour probe say, between two reads). Results for QdiscInVmTest.
scenario qdisc
fifo="$corpus/bpf_qdisc_fifo.bpf.o"
maps_before=$(bpftool -j struct_ops list | tr -d '\n')
result before "$(tc qdisc show dev lo root)"
record missing "load $fifo --option 'qdisc.devices=so-missing' --json"
result maps_after_missing "$(bpftool -j struct_ops list | tr -d '\n')"
result maps_before "$maps_before"
record load "load $fifo --option 'qdisc.devices=lo' --json"
result placed "$(tc qdisc show dev lo root)"
result traffic "$("$traffic" cubic 1048576 2>&1)"
result tc_before "$(tc -s -j qdisc show dev lo root)"
record list "list --json"
result tc_stats "$(tc -s -j qdisc show dev lo root)"
record taken "load $fifo --json"
load_id=$(sed -n 's/^load=.*"mapId": \([0-9]*\).*/\1/p' "$OUT/qdisc.txt")
record unload "unload $load_id"
result after "$(tc qdisc show dev lo root)"
result maps_after "$(bpftool -j struct_ops list | tr -d '\n')"
own="$corpus/own/qdisc_bytes.bpf.o"
# A veth pair between this namespace and one of the test's own, so that traffic crosses a real device both ways.
insmod "$modules/veth.ko" 2>/dev/null
ip netns add so-peer
ip link add so-v0 type veth peer name so-v1 netns so-peer
ip addr add 10.77.0.1/24 dev so-v0 && ip link set so-v0 up
ip -n so-peer addr add 10.77.0.2/24 dev so-v1 && ip -n so-peer link set so-v1 up && ip -n so-peer link set lo up
result veth_before "$(tc qdisc show dev so-v0 root)"
start_both_ways() { # KEY: 2 MiB each way across the pair, in the background
  "$traffic" cubic 2097152 10.77.0.2 so-peer - > "$TMPDIR/$1-out.txt" 2>&1 &
  out=$!
  "$traffic" cubic 2097152 10.77.0.1 - so-peer > "$TMPDIR/$1-in.txt" 2>&1 &
  in=$!
}
wait_both_ways() { # KEY: the transfers' exit statuses and reports, as KEY_traffic
  wait "$out"; out_status=$?
  wait "$in"; in_status=$?
  result "$1_traffic" "$out_status $in_status $(cat "$TMPDIR/$1-out.txt" "$TMPDIR/$1-in.txt")"
}
swap_during_traffic() { # KEY MAP FILE: swaps MAP for FILE's while 2 MiB go each way across the pair and so-v0's
  # root qdisc is sampled throughout; KEY_swap, KEY_traffic, KEY_kinds (each kind seen, with how often)
  touch "$TMPDIR/sampling"
  while [ -f "$TMPDIR/sampling" ]; do tc qdisc show dev so-v0 root | cut -d' ' -f2; done > "$TMPDIR/$1-kinds.txt" &
  sampler=$!
  start_both_ways "$1"
  sleep 1
  record "$1_swap" "swap $2 $3 --json"
  wait_both_ways "$1"
  rm -f "$TMPDIR/sampling"; wait "$sampler"
  result "$1_kinds" "$(sort "$TMPDIR/$1-kinds.txt" | uniq -c | awk '{printf "%s=%s ", $2, $1}')"
}
record own_load "load $own --set byte_limit=262144 --option 'qdisc.devices=so-v0' --json"
result own_placed "$(tc qdisc show dev so-v0 root)"
record own_limit "vars bytes --json"
swap_during_traffic own bytes "$own"
result own_swapped "$(tc qdisc show dev so-v0 root)"
record own_vars "vars bytes --json"
result own_tc_before "$(tc -s -j qdisc show dev so-v0 root)"
record own_list "list --json"
result own_tc "$(tc -s -j qdisc show dev so-v0 root)"
record own_unload "unload bytes"
result own_after "$(tc qdisc show dev so-v0 root)"
result own_maps_after "$(bpftool -j struct_ops list | tr -d '\n')"
# A new version under a new id: attached beside the old one, so-v0 moved over in one replace, then the old detached.
record next_load "load $own --option 'qdisc.devices=so-v0' --json"
swap_during_traffic next bytes "$corpus/own/qdisc_bytes_next.bpf.o"
result next_swapped "$(tc qdisc show dev so-v0 root)"
result next_tc_before "$(tc -s -j qdisc show dev so-v0 root)"
record next_list "list --json"
result next_tc "$(tc -s -j qdisc show dev so-v0 root)"
record next_unload "unload bytes"
result next_after "$(tc qdisc show dev so-v0 root)"
result next_maps_after "$(bpftool -j struct_ops list | tr -d '\n')"
# The two-band priority qdisc: small packets (the ACKs of the inbound transfer) in the urgent band, the outbound
# transfer's data in the bulk band.
record prio_load "load $corpus/own/qdisc_prio.bpf.o --option 'qdisc.devices=so-v0' --json"
start_both_ways prio
wait_both_ways prio
record prio_vars "vars prio --json"
result prio_tc_before "$(tc -s -j qdisc show dev so-v0 root)"
record prio_list "list --json"
result prio_tc "$(tc -s -j qdisc show dev so-v0 root)"
record prio_unload "unload prio"
result prio_after "$(tc qdisc show dev so-v0 root)"
# The kernel's own bpf_qdisc_fq (rbtrees and lists of kptrs under spin locks, the watchdog timer), a legacy map
# (SEC(".struct_ops")): put on so-v0 by the handler, swapped for a fresh copy (the old map unregistered, the new one
# registered and put back, with a gap) while TCP runs both ways through it, list against tc, unloaded.
fq="$corpus/bpf_qdisc_fq.bpf.o"
record fq_load "load $fq --option 'qdisc.devices=so-v0' --json"
result fq_placed "$(tc qdisc show dev so-v0 root)"
swap_during_traffic fq fq "$fq"
result fq_swapped "$(tc qdisc show dev so-v0 root)"
result fq_tc_before "$(tc -s -j qdisc show dev so-v0 root)"
record fq_list "list --json"
result fq_tc "$(tc -s -j qdisc show dev so-v0 root)"
record fq_unload "unload fq"
result fq_after "$(tc qdisc show dev so-v0 root)"
result fq_maps_after "$(bpftool -j struct_ops list | tr -d '\n')"
# The peer: libbpf 1.5 attaches each of the project's own qdiscs too (and detaches them as it exits).
for name in qdisc_bytes qdisc_bytes_next qdisc_prio; do
  result "peer_$name" "$("$peer" --attach "$corpus/own/$name.bpf.o" 2>&1)"
done
ip netns del so-peer
