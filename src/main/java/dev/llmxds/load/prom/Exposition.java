package dev.llmxds.load.prom;

import java.util.List;
import java.util.Map;

/**
 * A parsed {@code /metrics} body: the samples kept, the declared family types, and one message per
 * line that could not be parsed (those lines are skipped, nothing else is lost).
 */
public record Exposition(List<Sample> samples, Map<String, String> types, List<String> errors) {
  public Exposition {
    samples = List.copyOf(samples);
    types = Map.copyOf(types);
    errors = List.copyOf(errors);
  }

  /** Samples of metric {@code name}. */
  public List<Sample> samples(String name) {
    return samples.stream().filter(s -> s.name().equals(name)).toList();
  }

  public boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name().equals(name));
  }
}
