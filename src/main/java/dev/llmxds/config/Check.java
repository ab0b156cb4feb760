package dev.llmxds.config;

import java.time.Duration;

/** Small validators used by the configuration records; each failure names its field. */
final class Check {
  private Check() {}

  static int range(String field, int value, int min, int max) {
    if (value < min || value > max) {
      throw new ConfigException(field, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  static double range(String field, double value, double min, double max) {
    if (!(value >= min && value <= max)) {
      throw new ConfigException(field, "must be between " + min + " and " + max + ", got " + value);
    }
    return value;
  }

  /** The shortest positive duration accepted anywhere: 1 ms (Envoy's resolution for most). */
  static final Duration SMALLEST = Duration.ofMillis(1);

  static Duration positive(String field, Duration value) {
    if (value.isNegative() || value.isZero()) {
      throw new ConfigException(
          field, "must be a positive duration, got " + Durations.format(value));
    }
    return atLeast(field, value, SMALLEST);
  }

  /** For periods of loops: below {@code min} a loop only burns CPU. */
  static Duration atLeast(String field, Duration value, Duration min) {
    if (value.compareTo(min) < 0) {
      throw new ConfigException(
          field,
          "must be at least "
              + Durations.format(min)
              + ", got "
              + (value.toMillis() > 0 ? Durations.format(value) : value.toNanos() + "ns"));
    }
    return value;
  }

  static Duration notNegative(String field, Duration value) {
    if (value.isNegative()) {
      throw new ConfigException(field, "must not be negative, got " + Durations.format(value));
    }
    return value;
  }

  static String notBlank(String field, String value) {
    if (value == null || value.isBlank()) {
      throw new ConfigException(field, "must not be empty");
    }
    return value.strip();
  }

  static <T> T orDefault(T value, T fallback) {
    return value == null ? fallback : value;
  }
}
