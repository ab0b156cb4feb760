package dev.llmxds.discovery.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConsulRulesTest {
  @Test
  void indexRules() {
    assertEquals(120, ConsulIndex.next(100, 120), "moves forward");
    assertEquals(100, ConsulIndex.next(100, 100), "a return is no promise of change");
    assertEquals(0, ConsulIndex.next(100, 7), "went backwards: reset");
    assertEquals(1, ConsulIndex.next(0, 0), "0 is treated as 1");
    assertEquals(1, ConsulIndex.next(0, -5), "negative is treated as 1");
  }

  @Test
  void backoffGrowsWithJitterUpToTheCap() {
    Backoff low = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> 0.0);
    Backoff high = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(2), () -> 1.0);
    assertEquals(50, low.delay(1).toMillis());
    assertEquals(100, high.delay(1).toMillis());
    assertEquals(400, high.delay(3).toMillis());
    assertEquals(2000, high.delay(10).toMillis(), "capped");
    assertEquals(1000, low.delay(40).toMillis(), "no overflow");
    for (int failures = 1; failures < 12; failures++) {
      assertTrue(high.delay(failures).compareTo(high.delay(failures + 1)) <= 0);
    }
  }
}
