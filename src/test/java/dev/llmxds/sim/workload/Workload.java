package dev.llmxds.sim.workload;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;

/**
 * The request stream: Poisson arrivals (or bursty: a two-state modulated Poisson process) at a rate
 * that may change over time, with heavy-tailed prompt and output lengths (log-normal, truncated).
 * Seeded.
 */
public final class Workload {
  private final Random random;
  private final DoubleUnaryOperator rateAt;
  private final boolean bursty;
  private boolean burst;

  /**
   * @param rateAt requests per second as a function of simulated time
   */
  public Workload(long seed, DoubleUnaryOperator rateAt, boolean bursty) {
    this.random = new Random(seed);
    this.rateAt = rateAt;
    this.bursty = bursty;
  }

  /** Gap to the next arrival after {@code now}. */
  public double nextGap(double now) {
    double rate = rateAt.applyAsDouble(now);
    if (bursty) {
      if (random.nextDouble() < 0.02) {
        burst = !burst;
      }
      rate *= burst ? 1.8 : 0.55;
    }
    return -Math.log(1 - random.nextDouble()) / rate;
  }

  /** Prompt tokens: median ~400, long tail to 8k. */
  public int promptTokens() {
    return (int) Math.max(16, Math.min(8_000, Math.exp(6.0 + 0.9 * random.nextGaussian())));
  }

  /** Output tokens: median ~120, long tail to 2k. */
  public int outputTokens() {
    return (int) Math.max(4, Math.min(2_000, Math.exp(4.8 + 0.8 * random.nextGaussian())));
  }

  public Random random() {
    return random;
  }
}
