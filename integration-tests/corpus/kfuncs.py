#!/usr/bin/env python3
"""Prints C prototypes of a kernel's kfuncs (functions its BTF tags "bpf_kfunc"), to append to a vmlinux.h.

bookworm's bpftool (7.1) writes a vmlinux.h without them, and the kernel tree's BPF headers of 6.13 and later
expect them there. Reads `bpftool --json btf dump file BTF` on standard input.
"""
import json
import sys

types = {t["id"]: t for t in json.load(sys.stdin)["types"]}


def named(t):
    return t["name"] if t.get("name") not in (None, "(anon)") else None


def declare(type_id, inner):
    """The C declaration of INNER (a name or a declarator so far) with type TYPE_ID."""
    if type_id == 0:
        return ("void " + inner).strip()
    t = types[type_id]
    kind = t["kind"]
    if kind == "PTR":
        target = types.get(t["type_id"], {}) if t["type_id"] else {}
        if target.get("kind") in ("FUNC_PROTO", "ARRAY"):
            return declare(t["type_id"], "(*" + inner + ")")
        return declare(t["type_id"], "*" + inner)
    if kind in ("CONST", "VOLATILE", "RESTRICT"):
        qualifier = {"CONST": "const", "VOLATILE": "volatile", "RESTRICT": "restrict"}[kind]
        if t["type_id"] and types[t["type_id"]]["kind"] == "PTR":  # a const pointer: "T * const NAME"
            return declare(t["type_id"], qualifier + " " + inner)
        return qualifier + " " + declare(t["type_id"], inner)
    if kind in ("TYPE_TAG",):
        return declare(t["type_id"], inner)
    if kind == "ARRAY":
        return declare(t["type_id"], inner + "[" + str(t["nr_elems"]) + "]")
    if kind == "FUNC_PROTO":
        params = [declare(p["type_id"], named(p) or "") for p in t["params"] if p["type_id"] != 0]
        if any(p["type_id"] == 0 for p in t["params"]):
            params.append("...")
        return declare(t["ret_type_id"], inner + "(" + (", ".join(params) or "void") + ")")
    if kind in ("STRUCT", "UNION"):
        base = kind.lower() + " " + (named(t) or "")
    elif kind == "FWD":
        base = t["fwd_kind"] + " " + t["name"]
    elif kind in ("ENUM", "ENUM64"):
        base = "enum " + (named(t) or "") if named(t) else ("int" if t["size"] <= 4 else "long long")
    else:
        base = t["name"]
    return (base + " " + inner).strip()


kfuncs = sorted({types[t["type_id"]]["name"]: t["type_id"] for t in types.values()
                 if t["kind"] == "DECL_TAG" and t["name"] == "bpf_kfunc"
                 and types[t["type_id"]]["kind"] == "FUNC"}.items())
print("#ifndef BPF_NO_KFUNC_PROTOTYPES")
print("#ifndef __ksym\n#define __ksym __attribute__((section(\".ksyms\")))\n#endif")
print("#ifndef __weak\n#define __weak __attribute__((weak))\n#endif")
for name, func_id in kfuncs:
    print("extern " + declare(types[func_id]["type_id"], name) + " __weak __ksym;")
print("#endif")
