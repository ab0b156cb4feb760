package dev.llmxds.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.config.ReconcilerConfig;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ReconcilerTest {
  private static final ReconcilerConfig CONFIG =
      new ReconcilerConfig(Duration.ofMillis(100), Duration.ofSeconds(1));
  private static final long MS = 1_000_000;

  @Test
  void waitsTheDebounceAfterTheLatestEvent() {
    assertEquals(100 * MS, Reconciler.delayNanos(CONFIG, 0, 0));
    assertEquals(100 * MS, Reconciler.delayNanos(CONFIG, 0, 500 * MS));
  }

  @Test
  void neverWaitsPastMaxWaitAfterTheFirstUnpublishedEvent() {
    assertEquals(50 * MS, Reconciler.delayNanos(CONFIG, 0, 950 * MS));
    assertEquals(0, Reconciler.delayNanos(CONFIG, 0, 1_200 * MS));
  }
}
