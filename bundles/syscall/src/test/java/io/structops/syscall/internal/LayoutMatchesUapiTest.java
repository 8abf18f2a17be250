package io.structops.syscall.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every attr and info offset that the installed UAPI header (Debian's linux-libc-dev) knows is compared with the
 * compiler's offsetof; fields newer than that header are checked by the kernel tests that use them.
 */
class LayoutMatchesUapiTest {

    @Test
    void offsetsAgreeWithLinuxBpfH(@TempDir Path dir) throws Exception {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("MC_MAP_TYPE", "union bpf_attr, map_type");
        fields.put("MC_KEY_SIZE", "union bpf_attr, key_size");
        fields.put("MC_VALUE_SIZE", "union bpf_attr, value_size");
        fields.put("MC_MAX_ENTRIES", "union bpf_attr, max_entries");
        fields.put("MC_MAP_FLAGS", "union bpf_attr, map_flags");
        fields.put("MC_INNER_MAP_FD", "union bpf_attr, inner_map_fd");
        fields.put("MC_NUMA_NODE", "union bpf_attr, numa_node");
        fields.put("MC_MAP_NAME", "union bpf_attr, map_name");
        fields.put("MC_MAP_IFINDEX", "union bpf_attr, map_ifindex");
        fields.put("MC_BTF_FD", "union bpf_attr, btf_fd");
        fields.put("MC_BTF_KEY_TYPE_ID", "union bpf_attr, btf_key_type_id");
        fields.put("MC_BTF_VALUE_TYPE_ID", "union bpf_attr, btf_value_type_id");
        fields.put("MC_BTF_VMLINUX_VALUE_TYPE_ID", "union bpf_attr, btf_vmlinux_value_type_id");
        fields.put("MC_MAP_EXTRA", "union bpf_attr, map_extra");
        fields.put("EL_MAP_FD", "union bpf_attr, map_fd");
        fields.put("EL_KEY", "union bpf_attr, key");
        fields.put("EL_VALUE", "union bpf_attr, value");
        fields.put("EL_FLAGS", "union bpf_attr, flags");
        fields.put("BA_IN_BATCH", "union bpf_attr, batch.in_batch");
        fields.put("BA_OUT_BATCH", "union bpf_attr, batch.out_batch");
        fields.put("BA_KEYS", "union bpf_attr, batch.keys");
        fields.put("BA_VALUES", "union bpf_attr, batch.values");
        fields.put("BA_COUNT", "union bpf_attr, batch.count");
        fields.put("BA_MAP_FD", "union bpf_attr, batch.map_fd");
        fields.put("ES_TYPE", "union bpf_attr, enable_stats.type");
        fields.put("PBM_PROG_FD", "union bpf_attr, prog_bind_map.prog_fd");
        fields.put("PBM_MAP_FD", "union bpf_attr, prog_bind_map.map_fd");
        fields.put("PBM_FLAGS", "union bpf_attr, prog_bind_map.flags");
        fields.put("PL_PROG_TYPE", "union bpf_attr, prog_type");
        fields.put("PL_INSN_CNT", "union bpf_attr, insn_cnt");
        fields.put("PL_INSNS", "union bpf_attr, insns");
        fields.put("PL_LICENSE", "union bpf_attr, license");
        fields.put("PL_LOG_LEVEL", "union bpf_attr, log_level");
        fields.put("PL_LOG_SIZE", "union bpf_attr, log_size");
        fields.put("PL_LOG_BUF", "union bpf_attr, log_buf");
        fields.put("PL_KERN_VERSION", "union bpf_attr, kern_version");
        fields.put("PL_PROG_FLAGS", "union bpf_attr, prog_flags");
        fields.put("PL_PROG_NAME", "union bpf_attr, prog_name");
        fields.put("PL_PROG_IFINDEX", "union bpf_attr, prog_ifindex");
        fields.put("PL_EXPECTED_ATTACH_TYPE", "union bpf_attr, expected_attach_type");
        fields.put("PL_PROG_BTF_FD", "union bpf_attr, prog_btf_fd");
        fields.put("PL_FUNC_INFO_REC_SIZE", "union bpf_attr, func_info_rec_size");
        fields.put("PL_FUNC_INFO", "union bpf_attr, func_info");
        fields.put("PL_FUNC_INFO_CNT", "union bpf_attr, func_info_cnt");
        fields.put("PL_LINE_INFO_REC_SIZE", "union bpf_attr, line_info_rec_size");
        fields.put("PL_LINE_INFO", "union bpf_attr, line_info");
        fields.put("PL_LINE_INFO_CNT", "union bpf_attr, line_info_cnt");
        fields.put("PL_ATTACH_BTF_ID", "union bpf_attr, attach_btf_id");
        fields.put("PL_ATTACH_BTF_OBJ_FD", "union bpf_attr, attach_btf_obj_fd");
        fields.put("PL_FD_ARRAY", "union bpf_attr, fd_array");
        fields.put("OBJ_PATHNAME", "union bpf_attr, pathname");
        fields.put("OBJ_BPF_FD", "union bpf_attr, bpf_fd");
        fields.put("OBJ_FILE_FLAGS", "union bpf_attr, file_flags");
        fields.put("ID_START_ID", "union bpf_attr, start_id");
        fields.put("ID_NEXT_ID", "union bpf_attr, next_id");
        fields.put("ID_OPEN_FLAGS", "union bpf_attr, open_flags");
        fields.put("IN_BPF_FD", "union bpf_attr, info.bpf_fd");
        fields.put("IN_INFO_LEN", "union bpf_attr, info.info_len");
        fields.put("IN_INFO", "union bpf_attr, info.info");
        fields.put("BL_BTF", "union bpf_attr, btf");
        fields.put("BL_LOG_BUF", "union bpf_attr, btf_log_buf");
        fields.put("BL_BTF_SIZE", "union bpf_attr, btf_size");
        fields.put("BL_LOG_SIZE", "union bpf_attr, btf_log_size");
        fields.put("BL_LOG_LEVEL", "union bpf_attr, btf_log_level");
        fields.put("LC_PROG_FD", "union bpf_attr, link_create.prog_fd");
        fields.put("LC_TARGET_FD", "union bpf_attr, link_create.target_fd");
        fields.put("LC_ATTACH_TYPE", "union bpf_attr, link_create.attach_type");
        fields.put("LC_FLAGS", "union bpf_attr, link_create.flags");
        fields.put("LU_LINK_FD", "union bpf_attr, link_update.link_fd");
        fields.put("LU_NEW_FD", "union bpf_attr, link_update.new_prog_fd");
        fields.put("LU_FLAGS", "union bpf_attr, link_update.flags");
        fields.put("MI_TYPE", "struct bpf_map_info, type");
        fields.put("MI_ID", "struct bpf_map_info, id");
        fields.put("MI_KEY_SIZE", "struct bpf_map_info, key_size");
        fields.put("MI_VALUE_SIZE", "struct bpf_map_info, value_size");
        fields.put("MI_MAX_ENTRIES", "struct bpf_map_info, max_entries");
        fields.put("MI_MAP_FLAGS", "struct bpf_map_info, map_flags");
        fields.put("MI_NAME", "struct bpf_map_info, name");
        fields.put("MI_BTF_VMLINUX_VALUE_TYPE_ID", "struct bpf_map_info, btf_vmlinux_value_type_id");
        fields.put("MI_BTF_ID", "struct bpf_map_info, btf_id");
        fields.put("MI_BTF_KEY_TYPE_ID", "struct bpf_map_info, btf_key_type_id");
        fields.put("PI_TYPE", "struct bpf_prog_info, type");
        fields.put("PI_ID", "struct bpf_prog_info, id");
        fields.put("PI_NAME", "struct bpf_prog_info, name");
        fields.put("PI_BTF_ID", "struct bpf_prog_info, btf_id");
        fields.put("PI_RUN_TIME_NS", "struct bpf_prog_info, run_time_ns");
        fields.put("PI_RUN_CNT", "struct bpf_prog_info, run_cnt");
        fields.put("PI_NR_MAP_IDS", "struct bpf_prog_info, nr_map_ids");
        fields.put("PI_MAP_IDS", "struct bpf_prog_info, map_ids");
        fields.put("PI_ATTACH_BTF_ID", "struct bpf_prog_info, attach_btf_id");
        fields.put("LI_TYPE", "struct bpf_link_info, type");
        fields.put("LI_ID", "struct bpf_link_info, id");
        fields.put("LI_PROG_ID", "struct bpf_link_info, prog_id");
        // struct_ops.map_id (6.x) is the first word of the union, where raw_tracepoint.tp_name is too.
        fields.put("LI_STRUCT_OPS_MAP_ID", "struct bpf_link_info, raw_tracepoint.tp_name");
        StringBuilder c = new StringBuilder(
                "#include <stdio.h>\n#include <stddef.h>\n#include <linux/bpf.h>\n" + "int main(void) {\n");
        for (var e : fields.entrySet()) {
            c.append("  printf(\"")
                    .append(e.getKey())
                    .append(" %zu\\n\", offsetof(")
                    .append(e.getValue())
                    .append("));\n");
        }
        c.append("  return 0;\n}\n");
        Path src = dir.resolve("offsets.c");
        Files.writeString(src, c);
        Path exe = dir.resolve("offsets");
        Process cc = new ProcessBuilder("gcc", "-o", exe.toString(), src.toString())
                .redirectErrorStream(true)
                .start();
        String ccOut = new String(cc.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, cc.waitFor(), ccOut);
        Process run = new ProcessBuilder(exe.toString()).start();
        String out = new String(run.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, run.waitFor());
        int checked = 0;
        for (String line : out.lines().toList()) {
            String[] parts = line.split(" ");
            int expected = Integer.parseInt(parts[1]);
            int actual = Layout.class.getDeclaredField(parts[0]).getInt(null);
            assertEquals(expected, actual, parts[0]);
            checked++;
        }
        assertEquals(fields.size(), checked);
    }
}
