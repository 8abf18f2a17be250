package io.structops.loader;

/**
 * What the kernel counted of one of an object's programs while its run statistics were on (BPF_ENABLE_STATS or the
 * sysctl {@code kernel.bpf_stats_enabled}).
 *
 * @param programId the program's kernel id
 * @param runCount how often it ran
 * @param runTimeNs how long those runs took together
 */
public record ProgramRuns(int programId, long runCount, long runTimeNs) {}
