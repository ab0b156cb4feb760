package dev.llmxds.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.config.ReconcilerConfig;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.xds.Versions;
import dev.llmxds.xds.XdsPublisher;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
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

  @Test
  void aFleetPublicationNotifiesPublishListeners() throws Exception {
    Reconciler r =
        new Reconciler(
            CONFIG, new XdsPublisher(LlmXdsConfig.DEFAULT, new Versions(Instant.now())), () -> 0);
    try (r) {
      AtomicInteger told = new AtomicInteger();
      AutoCloseable registration = r.onPublish(told::incrementAndGet);
      r.publishNow(Fleet.EMPTY);
      assertEquals(1, told.get(), "a WatchFleet stream hears of fleet changes, not only weights");
      registration.close();
      r.publishNow(Fleet.EMPTY);
      assertEquals(1, told.get());
    }
  }
}
