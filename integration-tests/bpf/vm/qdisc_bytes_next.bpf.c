// SPDX-License-Identifier: GPL-2.0
/*
 * qdisc_bytes under the kind so_bytes2: a new version of a qdisc shipped under a new id, which a swap can attach
 * beside the old one and move each device over to without a moment when a device has neither.
 */
#define QDISC_ID "so_bytes2"
#include "qdisc_bytes.bpf.c"
