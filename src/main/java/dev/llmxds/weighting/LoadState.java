package dev.llmxds.weighting;

/**
 * What is known of one endpoint's load: smoothed figures and when they were last refreshed.
 *
 * @param load smoothed {@code waiting + runningWeight × running}
 * @param kv smoothed KV-cache usage 0..1, or NaN when the engine does not report it
 * @param sampleNanos ticker time of the last good scrape
 * @param throughput the speed estimate from the engine's generated-token counter
 */
public record LoadState(double load, double kv, long sampleNanos, Throughput throughput) {
  public LoadState {
    throughput = throughput == null ? Throughput.NONE : throughput;
  }

  /** A state with no speed estimate. */
  public LoadState(double load, double kv, long sampleNanos) {
    this(load, kv, sampleNanos, Throughput.NONE);
  }
}
