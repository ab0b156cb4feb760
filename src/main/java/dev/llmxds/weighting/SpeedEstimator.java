package dev.llmxds.weighting;

import java.time.Duration;

/**
 * How fast a GPU really is, from its own counters: the per-sequence decode rate between two
 * scrapes,
 *
 * <pre>
 *   rate = Δ generated tokens / Δt / mean running sequences      (mean of the two reads)
 * </pre>
 *
 * smoothed with time constant τ. A faster GPU decodes more tokens per running sequence per second
 * at the same batch size, whatever the queue looks like, so this moves a weight without needing a
 * standing queue first. Samples that cannot be trusted are skipped and the estimate is kept:
 * nothing was running (an idle engine tells nothing of its speed), the counter went backwards
 * (engine restart: the new value becomes the baseline), the counter is missing, or the clock did
 * not move, the reads are more than 10 s apart, or the rate is beyond any GPU. An estimate older
 * than its stale age is replaced by the next sample rather than blended. Pure; the caller supplies
 * the time.
 */
public final class SpeedEstimator {
  /** Mean running sequences below this tell nothing reliable (a request that came and went). */
  static final double MIN_RUNNING = 0.5;

  /**
   * No GPU decodes faster than this per sequence (small models with speculative decoding reach a
   * few hundred tokens/s); beyond it the counter is garbage or hostile.
   */
  static final double MAX_RATE = 5_000;

  /** A rate over a longer gap between reads (failed scrapes) says little of now: new baseline. */
  static final long MAX_GAP_NANOS = 10_000_000_000L;

  private final double tauNanos;
  private final long staleNanos;

  /**
   * @param timeConstant smoothing time constant
   * @param staleAfter an estimate older than this is replaced by the next sample, not blended
   */
  public SpeedEstimator(Duration timeConstant, Duration staleAfter) {
    this.tauNanos = timeConstant.toNanos();
    this.staleNanos = staleAfter.toNanos();
  }

  public Throughput next(Throughput previous, double tokens, double running, long nowNanos) {
    Throughput p = previous == null ? Throughput.NONE : previous;
    if (Double.isNaN(tokens)) {
      return new Throughput(Double.NaN, running, nowNanos, p.speed(), p.speedNanos());
    }
    if (Double.isNaN(p.tokens()) || tokens < p.tokens()) {
      return new Throughput(tokens, running, nowNanos, p.speed(), p.speedNanos());
    }
    long dt = nowNanos - p.sampleNanos();
    if (dt <= 0) {
      return p;
    }
    if (dt > MAX_GAP_NANOS) {
      return new Throughput(tokens, running, nowNanos, p.speed(), p.speedNanos());
    }
    double meanRunning = (p.running() + running) / 2;
    double rate = (tokens - p.tokens()) / (dt / 1e9) / meanRunning;
    if (meanRunning < MIN_RUNNING || !(rate <= MAX_RATE)) {
      return new Throughput(tokens, running, nowNanos, p.speed(), p.speedNanos());
    }
    double speed;
    if (!p.knowsSpeed() || tauNanos == 0 || nowNanos - p.speedNanos() > staleNanos) {
      speed = rate;
    } else {
      double alpha = 1 - Math.exp(-dt / tauNanos);
      speed = p.speed() + alpha * (rate - p.speed());
    }
    return new Throughput(tokens, running, nowNanos, speed, nowNanos);
  }
}
