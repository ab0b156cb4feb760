package dev.llmxds.discovery;

import dev.llmxds.config.AffinityConfig;
import dev.llmxds.fleet.Affinity;

/** Turns a validated {@link AffinityConfig} of one service into the domain's {@link Affinity}. */
public final class Affinities {
  private Affinities() {}

  /** Null stays null: the service said nothing and the configured default applies. */
  public static Affinity of(AffinityConfig c) {
    if (c == null) {
      return null;
    }
    return new Affinity(
        c.enabled(),
        c.cookie() == null ? c.header() : null,
        c.cookie(),
        c.cookieTtl(),
        c.lb().equals(AffinityConfig.MAGLEV) ? Affinity.Lb.MAGLEV : Affinity.Lb.RING_HASH,
        c.hashBalanceFactor(),
        c.minRingSize(),
        c.maxRingSize(),
        c.tableSize());
  }
}
