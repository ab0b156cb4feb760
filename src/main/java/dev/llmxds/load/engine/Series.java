package dev.llmxds.load.engine;

import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.Sample;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Reading gauges and counters out of an exposition, the same way for every engine: request counts
 * are summed over an engine's series (data-parallel ranks, replicas), fractions averaged, and a
 * value no engine can report fails the scrape instead of looking like an idle engine.
 */
final class Series {
  /** No engine runs or queues this many requests: a larger gauge is garbage or hostile. */
  static final double MAX_REQUESTS = 10_000_000;

  private Series() {}

  /**
   * Keeps the series of the service's {@code models} when the server reports several models under
   * {@code modelLabel}; with one model (or none named, or no such label) every series is the
   * engine's, whatever its name: the routing names need not match what the engine calls itself.
   */
  static Predicate<Sample> ofModels(Exposition e, String modelLabel, Collection<String> models) {
    if (modelLabel == null || models.isEmpty()) {
      return s -> true;
    }
    Set<String> served =
        e.samples().stream()
            .map(s -> s.label(modelLabel))
            .filter(m -> m != null)
            .collect(Collectors.toSet());
    if (served.size() <= 1) {
      return s -> true;
    }
    return s -> models.contains(s.label(modelLabel));
  }

  static Predicate<Sample> labelIs(String key, String value) {
    return s -> value.equals(s.label(key));
  }

  /**
   * The samples of {@code name} that pass {@code filter}; the same series (name and labels) twice
   * in one body is an invalid body, not something to add up.
   */
  static List<Sample> select(Exposition e, String name, Predicate<Sample> filter) {
    List<Sample> out = e.samples(name).stream().filter(filter).toList();
    if (out.size() > 1) {
      Set<Map<String, String>> seen = new HashSet<>();
      for (Sample s : out) {
        if (!seen.add(s.labels())) {
          throw new IllegalArgumentException("duplicate series " + name + s.labels());
        }
      }
    }
    return out;
  }

  /**
   * The sum of a gauge of request counts. A NaN, infinite, negative or implausibly large value
   * makes the whole scrape invalid (it fails and the weight goes stale), never an idle engine.
   */
  static double sum(Exposition e, String name, Predicate<Sample> filter, boolean required) {
    List<Sample> samples = select(e, name, filter);
    if (samples.isEmpty() && required) {
      throw new IllegalArgumentException("no " + name + " series for the service's models");
    }
    double total = 0;
    for (Sample s : samples) {
      if (!(s.value() >= 0 && s.value() <= MAX_REQUESTS)) {
        throw new IllegalArgumentException(
            name + " is " + s.value() + ": not a request count (0.." + (long) MAX_REQUESTS + ")");
      }
      total += s.value();
    }
    if (total > MAX_REQUESTS) {
      throw new IllegalArgumentException(name + " sums to " + total + ": not a request count");
    }
    return total;
  }

  /**
   * The sum of a counter's series, or NaN when the engine does not expose it (or a series is not a
   * usable counter value): the speed estimate then falls back to the service's median.
   */
  static double counter(Exposition e, String name, Predicate<Sample> filter) {
    List<Sample> samples = select(e, name, filter);
    if (samples.isEmpty()) {
      return Double.NaN;
    }
    double total = 0;
    for (Sample s : samples) {
      if (!Double.isFinite(s.value()) || s.value() < 0) {
        return Double.NaN;
      }
      total += s.value();
    }
    return total;
  }

  /** The mean of a fraction gauge (KV usage); a non-finite value makes the scrape invalid. */
  static double mean(Exposition e, String name, Predicate<Sample> filter) {
    List<Sample> samples = select(e, name, filter);
    for (Sample s : samples) {
      if (!Double.isFinite(s.value())) {
        throw new IllegalArgumentException(name + " is " + s.value() + ": not a fraction");
      }
    }
    return samples.stream().mapToDouble(Sample::value).average().orElse(Double.NaN);
  }
}
