package dev.llmxds.weighting;

import dev.llmxds.config.WeightsConfig;
import dev.llmxds.fleet.EngineLoad;

/**
 * Load → weight factor, as pure functions (README, "Dynamic weights"):
 *
 * <pre>
 *   load     = waiting + runningWeight × running                  (smoothed, time constant τ)
 *   pressure = load / queueScale + kvPenalty × max(0, kv − kvKnee) / (1 − kvKnee)
 *   factor   = fMin + (fMax − fMin) / (1 + pressure)               fMax = 2, fMin = 2 / maxRatio
 * </pre>
 *
 * An idle engine gets 2, a saturated one approaches 2/maxRatio; 1 is "unknown", the static weight.
 * A stale figure decays toward 1 with a half-life, never to 0 nor to the maximum. A published
 * factor moves only when the new one differs by more than the deadband.
 */
public final class WeightPolicy {
  public static final double MAX_FACTOR = 2.0;
  public static final double NEUTRAL = 1.0;

  private final WeightsConfig config;
  private final double minFactor;

  public WeightPolicy(WeightsConfig config) {
    this.config = config;
    this.minFactor = MAX_FACTOR / config.maxRatio();
  }

  public double minFactor() {
    return minFactor;
  }

  /** Folds a new scrape into the smoothed state (the first sample is taken as is). */
  public LoadState observe(LoadState previous, EngineLoad sample, long nowNanos) {
    double load = sample.waiting() + config.runningWeight() * sample.running();
    double kv = sample.kvUsage();
    if (previous == null) {
      return new LoadState(load, kv, nowNanos);
    }
    double tau = config.smoothing().toNanos();
    double dt = Math.max(0, nowNanos - previous.sampleNanos());
    double alpha = tau == 0 ? 1 : 1 - Math.exp(-dt / tau);
    double smoothedKv =
        Double.isNaN(kv)
            ? Double.NaN
            : Double.isNaN(previous.kv()) ? kv : previous.kv() + alpha * (kv - previous.kv());
    return new LoadState(previous.load() + alpha * (load - previous.load()), smoothedKv, nowNanos);
  }

  /** The factor for fresh figures. */
  public double factor(double load, double kv) {
    double kvOver =
        Double.isNaN(kv) ? 0 : Math.max(0, kv - config.kvKnee()) / (1 - config.kvKnee());
    double pressure = Math.max(0, load) / config.queueScale() + config.kvPenalty() * kvOver;
    return minFactor + (MAX_FACTOR - minFactor) / (1 + pressure);
  }

  /**
   * The factor at {@code nowNanos}: fresh, decaying toward neutral when stale, neutral if unknown.
   */
  public double factor(LoadState state, long nowNanos) {
    if (state == null) {
      return NEUTRAL;
    }
    double fresh = factor(state.load(), state.kv());
    long age = nowNanos - state.sampleNanos();
    long staleAfter = config.staleAfter().toNanos();
    if (age <= staleAfter) {
      return fresh;
    }
    double halfLives = (double) (age - staleAfter) / config.staleHalfLife().toNanos();
    return NEUTRAL + (fresh - NEUTRAL) * Math.pow(0.5, halfLives);
  }

  /** Hysteresis: keeps {@code published} unless {@code candidate} moved beyond the deadband. */
  public double settle(double published, double candidate) {
    if (Double.isNaN(published)) {
      return candidate;
    }
    return Math.abs(candidate - published) / published <= config.deadband() ? published : candidate;
  }
}
