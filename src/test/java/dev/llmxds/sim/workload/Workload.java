package dev.llmxds.sim.workload;

import java.util.Random;
import java.util.function.DoubleUnaryOperator;

/**
 * The request stream: Poisson arrivals (or bursty: a two-state modulated Poisson process) at a rate
 * that may change over time, request lengths drawn from a {@link Mix}, and the sidecar each request
 * enters through (uniform, or Zipf-skewed). Seeded.
 */
public final class Workload {
  /** Request length distributions (log-normal, truncated). */
  public enum Mix {
    /** Chat: prompt median ~400 tokens (tail to 8k), output median ~120 (tail to 2k). */
    CHAT,
    /**
     * Long/short prompt mix, prefill-bound: a quarter are RAG/summarisation prompts (median ~5k
     * tokens, to 16k) with short answers (median ~55), the rest short chat turns.
     */
    PREFILL_HEAVY,
    /**
     * Long contexts and long answers (prompt median ~2.4k, output median ~660 tokens): the KV
     * cache, not the batch size, limits concurrency, and vLLM preempts when it runs out.
     */
    KV_BOUND
  }

  private final Random random;
  private final DoubleUnaryOperator rateAt;
  private final boolean bursty;
  private final Mix mix;
  private final double[] sidecarCdf;
  private boolean burst;
  private boolean longPrompt;

  /**
   * @param rateAt requests per second as a function of simulated time
   * @param sidecars how many sidecars requests enter through
   * @param skew Zipf exponent of the sidecars' shares (0: uniform; 1: the first sidecar gets 1/H(n)
   *     of the traffic, the second half that, …)
   */
  public Workload(
      long seed, DoubleUnaryOperator rateAt, boolean bursty, Mix mix, int sidecars, double skew) {
    this.random = new Random(seed);
    this.rateAt = rateAt;
    this.bursty = bursty;
    this.mix = mix;
    this.sidecarCdf = new double[sidecars];
    double total = 0;
    for (int i = 0; i < sidecars; i++) {
      total += 1 / Math.pow(i + 1, skew);
      sidecarCdf[i] = total;
    }
    for (int i = 0; i < sidecars; i++) {
      sidecarCdf[i] /= total;
    }
  }

  public Workload(long seed, DoubleUnaryOperator rateAt, boolean bursty) {
    this(seed, rateAt, bursty, Mix.CHAT, 1, 0);
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

  /** Prompt tokens of the next request (call before {@link #outputTokens()}). */
  public int promptTokens() {
    return switch (mix) {
      case CHAT -> logNormal(6.0, 0.9, 16, 8_000);
      case PREFILL_HEAVY -> {
        longPrompt = random.nextDouble() < 0.25;
        yield longPrompt ? logNormal(8.5, 0.4, 1_000, 16_000) : logNormal(5.3, 0.7, 16, 2_000);
      }
      case KV_BOUND -> logNormal(7.8, 0.5, 256, 12_000);
    };
  }

  /** Output tokens of the request whose prompt was drawn last. */
  public int outputTokens() {
    return switch (mix) {
      case CHAT -> logNormal(4.8, 0.8, 4, 2_000);
      case PREFILL_HEAVY ->
          longPrompt ? logNormal(4.0, 0.6, 4, 500) : logNormal(4.8, 0.8, 4, 2_000);
      case KV_BOUND -> logNormal(6.5, 0.5, 32, 4_000);
    };
  }

  /** The sidecar the next request enters through. */
  public int sidecar() {
    double u = random.nextDouble();
    for (int i = 0; i < sidecarCdf.length - 1; i++) {
      if (u < sidecarCdf[i]) {
        return i;
      }
    }
    return sidecarCdf.length - 1;
  }

  private int logNormal(double mu, double sigma, int min, int max) {
    return (int) Math.max(min, Math.min(max, Math.exp(mu + sigma * random.nextGaussian())));
  }

  public Random random() {
    return random;
  }
}
