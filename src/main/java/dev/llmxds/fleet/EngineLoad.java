package dev.llmxds.fleet;

/**
 * An engine's own view of its load, summed over its data-parallel engines.
 *
 * @param running requests being decoded (in the running batch)
 * @param waiting requests queued, not yet scheduled (including preempted/swapped ones)
 * @param kvUsage KV-cache usage as a fraction 0..1, or NaN when the engine does not say
 */
public record EngineLoad(double running, double waiting, double kvUsage) {
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
  }

  public boolean knowsKv() {
    return !Double.isNaN(kvUsage);
  }
}
