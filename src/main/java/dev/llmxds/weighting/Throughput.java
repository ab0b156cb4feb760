package dev.llmxds.weighting;

/**
 * What the generated-token counter has told about one engine so far.
 *
 * @param tokens the last counter value read, or NaN when the engine has no counter
 * @param running the running-sequence count read with it
 * @param sampleNanos ticker time of that read
 * @param speed smoothed per-sequence decode rate in tokens/s, or NaN while unknown
 * @param speedNanos ticker time of the last sample that moved {@link #speed} (0: never)
 */
public record Throughput(
    double tokens, double running, long sampleNanos, double speed, long speedNanos) {
  public static final Throughput NONE = new Throughput(Double.NaN, 0, 0, Double.NaN, 0);

  public boolean knowsSpeed() {
    return !Double.isNaN(speed);
  }
}
