package org.saifengine.server;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/** Request counters plus the scheduler's state, rendered in the Prometheus text exposition format. */
final class Metrics {
    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();
    private final DoubleAdder durationSum = new DoubleAdder();
    private final AtomicLong durationCount = new AtomicLong();

    void request(String endpoint, int status, double seconds) {
        requests.computeIfAbsent("endpoint=\"" + endpoint + "\",code=\"" + status + "\"", k -> new AtomicLong()).incrementAndGet();
        durationSum.add(seconds);
        durationCount.incrementAndGet();
    }

    String render(BatchScheduler.Stats s) {
        StringBuilder b = new StringBuilder();
        b.append("# HELP saif_requests_total HTTP requests by endpoint and status code.\n# TYPE saif_requests_total counter\n");
        for (var e : new TreeMap<>(requests).entrySet()) {
            b.append("saif_requests_total{").append(e.getKey()).append("} ").append(e.getValue().get()).append('\n');
        }
        b.append("# HELP saif_request_duration_seconds Time from request to last byte.\n# TYPE saif_request_duration_seconds summary\n");
        b.append("saif_request_duration_seconds_sum ").append(durationSum.sum()).append('\n');
        b.append("saif_request_duration_seconds_count ").append(durationCount.get()).append('\n');
        gauge(b, "saif_running_sequences", "Sequences in the running batch.", s.running());
        gauge(b, "saif_waiting_requests", "Admitted requests waiting for a batch slot.", s.waiting());
        gauge(b, "saif_kv_reserved_tokens", "KV-cache positions reserved by admitted requests.", s.kvReservedTokens());
        gauge(b, "saif_kv_budget_tokens", "KV-cache position budget.", s.kvBudgetTokens());
        counter(b, "saif_batch_steps_total", "Forward calls of the batch loop.", s.steps());
        counter(b, "saif_batch_rows_total", "Sequences advanced, summed over steps (rows/steps = mean batch size).", s.rowsStepped());
        counter(b, "saif_prompt_tokens_total", "Prompt tokens prefilled.", s.promptTokens());
        counter(b, "saif_generated_tokens_total", "Tokens generated.", s.generatedTokens());
        counter(b, "saif_rejected_total", "Requests refused by admission control (429).", s.rejected());
        return b.toString();
    }

    private static void gauge(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" gauge\n")
                .append(name).append(' ').append(v).append('\n');
    }

    private static void counter(StringBuilder b, String name, String help, long v) {
        b.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(" counter\n")
                .append(name).append(' ').append(v).append('\n');
    }
}
