# Sourced by suite.sh: the Qdisc_ops handler with the kernel's own bpf_qdisc_fifo (from the corpus). Loaded with
# `--option qdisc.devices=lo`, the handler puts the qdisc kind on lo (lo had the kernel's default, noqueue); TCP
# runs through it; `list` reports the counters tc reports; a second copy of the same kind is refused with nothing
# left; unloading gives lo its default back. A device that does not exist is refused before anything is loaded.
# Then the project's own link-based qdisc_bytes (integration-tests/bpf/vm, built into the corpus's own/) with a byte
# limit set: put on lo, swapped for a fresh copy while TCP runs through it (the connection must survive), its own
# counters beside tc's, unloaded; then swapped for qdisc_bytes_next, the same qdisc under a new id, which is attached
# beside it so that lo is moved over with no gap. Results for QdiscInVmTest.
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
record list "list --json"
result tc_stats "$(tc -s -j qdisc show dev lo root)"
record taken "load $fifo --json"
load_id=$(sed -n 's/^load=.*"mapId": \([0-9]*\).*/\1/p' "$OUT/qdisc.txt")
record unload "unload $load_id"
result after "$(tc qdisc show dev lo root)"
result maps_after "$(bpftool -j struct_ops list | tr -d '\n')"
own="$corpus/own/qdisc_bytes.bpf.o"
swap_during_traffic() { # KEY FILE: swaps map bytes for FILE's while 2 MiB of TCP runs through lo; KEY_swap, KEY_traffic
  "$traffic" cubic 2097152 > "$TMPDIR/$1-traffic.out" 2>&1 &
  transfer=$!
  sleep 1
  record "$1_swap" "swap bytes $2 --json"
  wait "$transfer"; result "$1_traffic" "$? $(cat "$TMPDIR/$1-traffic.out")"
}
record own_load "load $own --set byte_limit=262144 --option 'qdisc.devices=lo' --json"
result own_placed "$(tc qdisc show dev lo root)"
record own_limit "vars bytes --json"
swap_during_traffic own "$own"
result own_swapped "$(tc qdisc show dev lo root)"
record own_vars "vars bytes --json"
record own_list "list --json"
result own_tc "$(tc -s -j qdisc show dev lo root)"
record own_unload "unload bytes"
result own_after "$(tc qdisc show dev lo root)"
result own_maps_after "$(bpftool -j struct_ops list | tr -d '\n')"
# A new version under a new id: attached beside the old one, lo moved over in one replace, then the old detached.
record next_load "load $own --option 'qdisc.devices=lo' --json"
swap_during_traffic next "$corpus/own/qdisc_bytes_next.bpf.o"
result next_swapped "$(tc qdisc show dev lo root)"
record next_unload "unload bytes"
result next_after "$(tc qdisc show dev lo root)"
result next_maps_after "$(bpftool -j struct_ops list | tr -d '\n')"
