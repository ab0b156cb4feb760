package dev.llmxds.xds;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Version strings unique across restarts: the process start time (ms, base 36) and a counter, e.g.
 * {@code mht0x3k2-17}. A client reconnecting to a restarted server never sees an old version reused
 * for different content.
 */
public final class Versions {
  private final String prefix;
  private final AtomicLong counter = new AtomicLong();

  public Versions(Instant start) {
    this.prefix = Long.toString(start.toEpochMilli(), 36);
  }

  public String next() {
    return prefix + "-" + counter.incrementAndGet();
  }
}
