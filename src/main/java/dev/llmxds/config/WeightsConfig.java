package dev.llmxds.config;

import java.time.Duration;

/**
 * The weight policy (see README, "Dynamic weights"): endpoint weight = static weight × factor ×
 * 100, factor = relative speed (within 1/speedRange … speedRange of the service's median) ×
 * congestion (2 idle … 2/maxRatio saturated); 1 when unknown or stale. Published factors lie on a
 * log grid of step {@code 1 + deadband}; a factor changes step once its candidate is {@code
 * hysteresis} of a step past the boundary.
 */
public record WeightsConfig(
    Double queueScale,
    Double runningWeight,
    Double kvKnee,
    Double kvPenalty,
    Double maxRatio,
    Duration smoothing,
    Double deadband,
    Double hysteresis,
    Duration staleAfter,
    Duration staleHalfLife,
    Duration publishInterval,
    Duration speedSmoothing,
    Double speedRange,
    Duration speedStaleAfter) {
  public static final WeightsConfig DEFAULT =
      new WeightsConfig(
          null, null, null, null, null, null, null, null, null, null, null, null, null, null);

  public WeightsConfig {
    queueScale = Check.range("queueScale", Check.orDefault(queueScale, 4.0), 0.01, 1e6);
    runningWeight = Check.range("runningWeight", Check.orDefault(runningWeight, 0.25), 0.0, 100.0);
    kvKnee = Check.range("kvKnee", Check.orDefault(kvKnee, 0.7), 0.0, 0.99);
    kvPenalty = Check.range("kvPenalty", Check.orDefault(kvPenalty, 2.0), 0.0, 1e3);
    maxRatio = Check.range("maxRatio", Check.orDefault(maxRatio, 20.0), 2.0, 1000.0);
    smoothing = Check.notNegative("smoothing", Check.orDefault(smoothing, Duration.ofSeconds(5)));
    deadband = Check.range("deadband", Check.orDefault(deadband, 0.25), 0.0, 0.9);
    hysteresis = Check.range("hysteresis", Check.orDefault(hysteresis, 0.45), 0.0, 0.49);
    staleAfter = Check.positive("staleAfter", Check.orDefault(staleAfter, Duration.ofSeconds(3)));
    staleHalfLife =
        Check.positive("staleHalfLife", Check.orDefault(staleHalfLife, Duration.ofSeconds(5)));
    publishInterval =
        Check.atLeast(
            "publishInterval",
            Check.orDefault(publishInterval, Duration.ofSeconds(1)),
            Duration.ofMillis(10));
    speedSmoothing =
        Check.notNegative(
            "speedSmoothing", Check.orDefault(speedSmoothing, Duration.ofSeconds(10)));
    speedRange = Check.range("speedRange", Check.orDefault(speedRange, 4.0), 1.0, 100.0);
    speedStaleAfter =
        Check.positive("speedStaleAfter", Check.orDefault(speedStaleAfter, Duration.ofSeconds(30)));
  }
}
