package dev.llmxds.util;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RepeatLimiterTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final RepeatLimiter limiter = new RepeatLimiter(Duration.ofSeconds(30), now::get);

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void firstOccurrenceIsLoggedThenOneSummaryPerInterval() {
    assertEquals(0, limiter.admit("consul down"));
    for (int i = 0; i < 5_974; i++) {
      advance(Duration.ofMillis(3));
      assertEquals(RepeatLimiter.SUPPRESS, limiter.admit("consul down"));
    }
    advance(Duration.ofSeconds(30));
    assertEquals(5_974, limiter.admit("consul down"), "the summary carries the count");
    assertEquals(RepeatLimiter.SUPPRESS, limiter.admit("consul down"));
    advance(Duration.ofSeconds(31));
    assertEquals(1, limiter.admit("consul down"));
    advance(Duration.ofSeconds(31));
    assertEquals(0, limiter.admit("consul down"), "nothing suppressed since the last line");
    assertEquals(" (3 more like this in the last 30 s)", limiter.suffix(3));
    assertEquals("", limiter.suffix(0));
  }

  @Test
  void distinctKeysAreLimitedSeparately() {
    assertEquals(0, limiter.admit("a"));
    assertEquals(0, limiter.admit("b"));
    assertEquals(RepeatLimiter.SUPPRESS, limiter.admit("a"));
    assertEquals(RepeatLimiter.SUPPRESS, limiter.admit("b"));
  }

  @Test
  void keysAreBoundedSoHostileMessagesCannotGrowIt() {
    for (int i = 0; i < RepeatLimiter.MAX_KEYS * 3; i++) {
      assertEquals(0, limiter.admit("error " + i));
    }
    advance(Duration.ofSeconds(31));
    for (int i = 0; i < RepeatLimiter.MAX_KEYS * 3; i++) {
      limiter.admit("other " + i);
    }
    // still answers, and an old key is treated as new once forgotten
    assertEquals(0, limiter.admit("error 0"));
  }
}
