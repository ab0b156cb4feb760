package dev.llmxds.config;

import java.time.Duration;

/**
 * How the reconciler coalesces source events before it publishes: it waits {@code debounce} after
 * the last event, but never longer than {@code maxWait} after the first unpublished one.
 */
public record ReconcilerConfig(Duration debounce, Duration maxWait) {
  public static final ReconcilerConfig DEFAULT = new ReconcilerConfig(null, null);

  public ReconcilerConfig {
    debounce = Check.notNegative("debounce", Check.orDefault(debounce, Duration.ofMillis(100)));
    maxWait = Check.notNegative("maxWait", Check.orDefault(maxWait, Duration.ofSeconds(1)));
    if (maxWait.compareTo(debounce) < 0) {
      throw new ConfigException("maxWait", "must not be shorter than debounce");
    }
  }
}
