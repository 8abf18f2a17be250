# Sourced by suite.sh: the Qdisc_ops handler with the kernel's own bpf_qdisc_fifo (from the corpus). Loaded with
# `--option qdisc.devices=lo`, the handler puts the qdisc kind on lo (lo had the kernel's default, noqueue); TCP
# runs through it; `list` reports the counters tc reports; a second copy of the same kind is refused with nothing
# left; unloading gives lo its default back. A device that does not exist is refused before anything is loaded.
# Results for QdiscInVmTest.
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
