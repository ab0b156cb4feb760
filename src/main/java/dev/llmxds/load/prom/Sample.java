package dev.llmxds.load.prom;

import java.util.Map;

/**
 * One sample line of a Prometheus exposition.
 *
 * @param name metric name as written ({@code vllm:num_requests_waiting}, {@code x_bucket})
 * @param labels label names to (unescaped) values, in the order written
 * @param value the value; NaN and ±Infinity allowed
 * @param timestampMillis the optional timestamp in milliseconds, or null
 */
public record Sample(String name, Map<String, String> labels, double value, Long timestampMillis) {
  public Sample {
    labels = Map.copyOf(labels);
  }

  public String label(String key) {
    return labels.get(key);
  }
}
