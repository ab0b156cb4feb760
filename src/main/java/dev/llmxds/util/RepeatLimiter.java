package dev.llmxds.util;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Rate limit for repeated identical log lines: the first occurrence of a key is logged, then at
 * most one line per {@code interval}, which carries how many identical occurrences were suppressed
 * since the last logged one. Keys are bounded ({@link #MAX_KEYS}): past that, keys quiet for a
 * whole interval are forgotten, and if none is, all are. Thread-safe; the clock is injected.
 */
public final class RepeatLimiter {
  /** Never log this key now. */
  public static final long SUPPRESS = -1;

  static final int MAX_KEYS = 1024;

  private final long intervalNanos;
  private final LongSupplier nanoTime;
  private final Map<String, long[]> seen = new HashMap<>(); // key → {last logged at, suppressed}

  public RepeatLimiter(Duration interval, LongSupplier nanoTime) {
    this.intervalNanos = interval.toNanos();
    this.nanoTime = nanoTime;
  }

  /**
   * One occurrence of {@code key}: {@link #SUPPRESS} when it must not be logged, else the number of
   * identical occurrences suppressed since it was last logged (0 the first time).
   */
  public synchronized long admit(String key) {
    long now = nanoTime.getAsLong();
    long[] state = seen.get(key);
    if (state == null) {
      if (seen.size() >= MAX_KEYS) {
        seen.values().removeIf(s -> now - s[0] >= intervalNanos);
        if (seen.size() >= MAX_KEYS) {
          seen.clear();
        }
      }
      seen.put(key, new long[] {now, 0});
      return 0;
    }
    if (now - state[0] < intervalNanos) {
      state[1]++;
      return SUPPRESS;
    }
    long suppressed = state[1];
    state[0] = now;
    state[1] = 0;
    return suppressed;
  }

  /** " (N identical lines suppressed in the last …)" for a count from {@link #admit}, or "". */
  public String suffix(long suppressed) {
    return suppressed <= 0
        ? ""
        : " ("
            + suppressed
            + " more like this in the last "
            + Duration.ofNanos(intervalNanos).toSeconds()
            + " s)";
  }
}
