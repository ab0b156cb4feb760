package dev.llmxds.discovery.consul;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with full jitter: attempt n waits a random time in [base·2ⁿ⁻¹/2, base·2ⁿ⁻¹],
 * capped.
 */
final class Backoff {
  private final Duration base;
  private final Duration max;
  private final DoubleSupplier random;

  Backoff(Duration base, Duration max, DoubleSupplier random) {
    this.base = base;
    this.max = max;
    this.random = random;
  }

  /** Delay before retry number {@code failures} (1 for the first failure). */
  Duration delay(int failures) {
    double ceiling =
        Math.min(
            max.toMillis(), base.toMillis() * Math.pow(2, Math.max(0, Math.min(failures, 31) - 1)));
    return Duration.ofMillis(Math.round(ceiling / 2 + random.getAsDouble() * ceiling / 2));
  }
}
