#!/bin/sh
# Runs in the VM (vm-run), from the repository root: every VM scenario in one boot, against one structops runtime
# (its shell fed through a FIFO, deploying from a directory of its own): kernel modules' functions, a module's
# struct_ops type, sched_ext schedulers loaded, thrown out and switched, the kernel tree's own objects (corpus).
# Each scenario is a file beside this one, sourced in turn; each writes its results to /run/out/SCENARIO.txt for the tests in integration-tests/.../vm.
#
#   suite.sh MODULES_DIR STRUCTOPS_DEMO_KO TCP_TRAFFIC LIBBPF_PEER CORPUS_DIR
modules=$1
demo_module=$2
traffic=$3
peer=$4
corpus=$5
here=integration-tests/vm/guest
. $here/session.sh
# The runtime's JVM under TCG, where one host thread emulates both CPUs: C1 only, so that no C2 compile competes
# with the tests for the thread, and the serial collector; measured in the README.
export STRUCTOPS_JAVA_OPTS="${STRUCTOPS_GUEST_JAVA_OPTS--XX:TieredStopAtLevel=1 -XX:+UseSerialGC -Xmx512m}"
deploy=$TMPDIR/deploy
mkdir -p "$deploy"
start_runtime "$deploy"
# STRUCTOPS_VM_SCENARIOS picks some, to study one by hand (vm-run ... suite.sh with it in the environment).
for s in ${STRUCTOPS_VM_SCENARIOS:-tcp-modules module-ops sched-fifo sched-error corpus qdisc sched-switch}; do
  . "$here/$s.sh"
done
step done
