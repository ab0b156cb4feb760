package dev.llmxds.weighting;

import dev.llmxds.config.WeightsConfig;
import dev.llmxds.fleet.EngineLoad;

/**
 * Load and speed → weight factor, as pure functions (README, "Dynamic weights"):
 *
 * <pre>
 *   speed      = generated tokens/s per running sequence             (smoothed, {@link SpeedEstimator})
 *   relative   = speed / median speed of the service's endpoints      clamped to 1/speedRange … speedRange
 *   load       = waiting + runningWeight × running                    (smoothed, time constant τ)
 *   pressure   = load / queueScale + kvPenalty × max(0, kv − kvKnee) / (1 − kvKnee)
 *   congestion = cMin + (2 − cMin) / (1 + pressure)                   cMin = 2 / maxRatio
 *   factor     = relative × congestion
 * </pre>
 *
 * An endpoint with no speed estimate (no counter, never busy, or estimate older than {@code
 * speedStaleAfter}) counts at the service's median speed, never at the minimum: a GPU that gets no
 * traffic could otherwise never be measured. A service where no endpoint has an estimate weighs by
 * congestion alone. An idle engine of median speed gets 2; 1 is "unknown", the static weight. Stale
 * figures decay toward 1 with a half-life, never to 0 nor to the maximum.
 *
 * <p>Published factors lie on a log grid of steps near {@code 1 + deadband} that divide a doubling
 * (2^(k/3): 1, 1.26, 1.59, 2 … with the default 0.25), and a factor leaves its step only once the
 * candidate is {@code hysteresis} of a step past the step's boundary. So noise does not republish,
 * and two replicas that scrape the same engines on their own phases land on the same step unless
 * the load sits right at a boundary.
 */
public final class WeightPolicy {
  /** The congestion factor of an idle engine. */
  public static final double MAX_FACTOR = 2.0;

  public static final double NEUTRAL = 1.0;

  private final WeightsConfig config;
  private final double minFactor;
  private final SpeedEstimator speeds;

  public WeightPolicy(WeightsConfig config) {
    this.config = config;
    this.minFactor = MAX_FACTOR / config.maxRatio();
    this.speeds = new SpeedEstimator(config.speedSmoothing(), config.speedStaleAfter());
  }

  /** The congestion factor of a saturated engine. */
  public double minFactor() {
    return minFactor;
  }

  /** Folds a new scrape into the smoothed state (the first sample is taken as is). */
  public LoadState observe(LoadState previous, EngineLoad sample, long nowNanos) {
    double load = sample.waiting() + config.runningWeight() * sample.running();
    double kv = sample.kvUsage();
    Throughput throughput =
        speeds.next(
            previous == null ? null : previous.throughput(),
            sample.generatedTokens(),
            sample.running(),
            nowNanos);
    if (previous == null) {
      return new LoadState(load, kv, nowNanos, throughput);
    }
    double tau = config.smoothing().toNanos();
    double dt = Math.max(0, nowNanos - previous.sampleNanos());
    double alpha = tau == 0 ? 1 : 1 - Math.exp(-dt / tau);
    double smoothedKv =
        Double.isNaN(kv)
            ? Double.NaN
            : Double.isNaN(previous.kv()) ? kv : previous.kv() + alpha * (kv - previous.kv());
    return new LoadState(
        previous.load() + alpha * (load - previous.load()), smoothedKv, nowNanos, throughput);
  }

  /** The congestion factor for fresh figures. */
  public double factor(double load, double kv) {
    double kvOver =
        Double.isNaN(kv) ? 0 : Math.max(0, kv - config.kvKnee()) / (1 - config.kvKnee());
    double pressure = Math.max(0, load) / config.queueScale() + config.kvPenalty() * kvOver;
    return minFactor + (MAX_FACTOR - minFactor) / (1 + pressure);
  }

  /** The endpoint's speed estimate at {@code nowNanos}, or NaN when unknown or too old. */
  public double speed(LoadState state, long nowNanos) {
    if (state == null || !state.throughput().knowsSpeed()) {
      return Double.NaN;
    }
    long age = nowNanos - state.throughput().speedNanos();
    return age <= config.speedStaleAfter().toNanos() ? state.throughput().speed() : Double.NaN;
  }

  /**
   * {@code speed} relative to the service's {@code reference} (median) speed, within the speed
   * range; 1 when either is unknown.
   */
  public double relativeSpeed(double speed, double reference) {
    if (Double.isNaN(speed) || !(reference > 0)) {
      return 1.0;
    }
    double range = config.speedRange();
    return Math.max(1 / range, Math.min(range, speed / reference));
  }

  /** The factor at {@code nowNanos} with no speed reference: congestion alone. */
  public double factor(LoadState state, long nowNanos) {
    return factor(state, Double.NaN, nowNanos);
  }

  /**
   * The factor at {@code nowNanos}: relative speed × congestion when fresh, decaying toward neutral
   * when stale, neutral if unknown.
   *
   * @param referenceSpeed the service's median speed, NaN when no endpoint of it has one
   */
  public double factor(LoadState state, double referenceSpeed, long nowNanos) {
    if (state == null) {
      return NEUTRAL;
    }
    double fresh =
        relativeSpeed(speed(state, nowNanos), referenceSpeed) * factor(state.load(), state.kv());
    long age = nowNanos - state.sampleNanos();
    long staleAfter = config.staleAfter().toNanos();
    if (age <= staleAfter) {
      return fresh;
    }
    double halfLives = (double) (age - staleAfter) / config.staleHalfLife().toNanos();
    return NEUTRAL + (fresh - NEUTRAL) * Math.pow(0.5, halfLives);
  }

  /** Half-lives after which stale figures count as gone: the factor is neutral exactly. */
  static final int FADED_HALF_LIVES = 6;

  /**
   * Whether the figures are so old that the factor is the neutral one, exactly and at once: the
   * deadband would otherwise hold a fading factor up to {@code deadband} away from the static
   * weight for good.
   */
  public boolean faded(LoadState state, long nowNanos) {
    if (state == null) {
      return false;
    }
    long age = nowNanos - state.sampleNanos();
    return age
        > config.staleAfter().toNanos() + FADED_HALF_LIVES * config.staleHalfLife().toNanos();
  }

  /**
   * The grid step (natural log) for {@code deadband}: the whole division of a doubling nearest to
   * {@code 1 + deadband} (2^(1/3) ≈ 1.26 for 0.25), so 1/4, 1/2, 1, 2 and 4 are grid points and
   * halving or doubling a factor moves it a whole number of steps.
   */
  static double step(double deadband) {
    double perDoubling = Math.max(1, Math.rint(Math.log(2) / Math.log1p(deadband)));
    return Math.log(2) / perDoubling;
  }

  /**
   * The factor to publish given the one published before (NaN: none) and the new candidate: the
   * candidate's grid step, unless it is within {@code 0.5 + hysteresis} steps of the published
   * factor, which is then kept. A deadband of 0 publishes candidates as they are.
   */
  public double settle(double published, double candidate) {
    double deadband = config.deadband();
    if (deadband == 0) {
      return candidate;
    }
    double step = step(deadband);
    double level = Math.log(candidate) / step;
    if (!Double.isNaN(published)
        && Math.abs(level - Math.log(published) / step) <= 0.5 + config.hysteresis()) {
      return published;
    }
    return Math.exp(Math.rint(level) * step);
  }
}
