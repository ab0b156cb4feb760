package dev.llmxds.weighting;

/**
 * What is known of one endpoint's load: smoothed figures and when they were last refreshed.
 *
 * @param load smoothed {@code waiting + runningWeight × running}
 * @param kv smoothed KV-cache usage 0..1, or NaN when the engine does not report it
 * @param sampleNanos ticker time of the last good scrape
 */
public record LoadState(double load, double kv, long sampleNanos) {}
