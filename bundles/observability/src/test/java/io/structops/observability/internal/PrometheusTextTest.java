package io.structops.observability.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {
    @Test
    void eachFamilysSamplesFollowItsOwnHeaderAndLabelValuesAreEscaped() {
        PrometheusText t = new PrometheusText()
                .family("a_info", "gauge", "first\nwith a backslash \\")
                .family("b_seconds", "gauge", "second");
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put("path", "/x\"y\\z\n");
        labels.put("n", "1");
        t.sample("b_seconds", Map.of(), 0.25).sample("a_info", labels, 1);
        assertEquals(
                "# HELP a_info first\\nwith a backslash \\\\\n# TYPE a_info gauge\n"
                        + "a_info{path=\"/x\\\"y\\\\z\\n\",n=\"1\"} 1\n"
                        + "# HELP b_seconds second\n# TYPE b_seconds gauge\nb_seconds 0.25\n",
                t.toString());
    }

    @Test
    void aSampleNeedsItsFamily() {
        assertThrows(IllegalStateException.class, () -> new PrometheusText().sample("x", Map.of(), 1));
    }
}
