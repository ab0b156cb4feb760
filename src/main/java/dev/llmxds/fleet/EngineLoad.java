package dev.llmxds.fleet;

/**
 * An engine's own view of its load, summed over its data-parallel engines.
 *
 * @param running requests being decoded (in the running batch)
 * @param waiting requests queued, not yet scheduled (including preempted/swapped ones)
 * @param kvUsage KV-cache usage as a fraction 0..1, or NaN when the engine does not say
 * @param generatedTokens the engine's cumulative count of generated (output) tokens, a counter such
 *     as {@code vllm:generation_tokens_total}; NaN when the engine does not expose one or reports
 *     something that cannot be a counter (negative, infinite)
 */
public record EngineLoad(double running, double waiting, double kvUsage, double generatedTokens) {
  public EngineLoad {
    if (!(running >= 0)
        || !(waiting >= 0)
        || Double.isInfinite(running)
        || Double.isInfinite(waiting)) {
      throw new IllegalArgumentException(
          "running and waiting must be finite and not negative, got " + running + ", " + waiting);
    }
    if (!Double.isNaN(kvUsage)) {
      kvUsage = Math.max(0, Math.min(1, kvUsage));
    }
    if (!(generatedTokens >= 0) || Double.isInfinite(generatedTokens)) {
      generatedTokens = Double.NaN;
    }
  }

  /** A load without a throughput counter. */
  public EngineLoad(double running, double waiting, double kvUsage) {
    this(running, waiting, kvUsage, Double.NaN);
  }

  public boolean knowsKv() {
    return !Double.isNaN(kvUsage);
  }

  public boolean knowsGeneratedTokens() {
    return !Double.isNaN(generatedTokens);
  }
}
