package dev.llmxds.config;

import java.time.Duration;

/** Envoy slow start: a new endpoint's weight ramps up over {@code window}. Off unless set. */
public record SlowStartConfig(Duration window, Double aggression, Double minWeightPercent) {
  public SlowStartConfig {
    window = Check.positive("window", Check.orDefault(window, Duration.ofSeconds(60)));
    aggression = Check.range("aggression", Check.orDefault(aggression, 1.0), 0.01, 100.0);
    minWeightPercent =
        Check.range("minWeightPercent", Check.orDefault(minWeightPercent, 10.0), 0.0, 100.0);
  }
}
