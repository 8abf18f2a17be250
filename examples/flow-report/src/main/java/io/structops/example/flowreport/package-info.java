/**
 * An example consumer of structops' user-space API: the flow report of {@code tcp_cc_report.bpf.o}, posted as
 * OSGi events. Nothing is exported; the topic is {@code io/structops/flowreport/FLOW}.
 */
package io.structops.example.flowreport;
