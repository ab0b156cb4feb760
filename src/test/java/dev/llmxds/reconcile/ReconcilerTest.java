package dev.llmxds.reconcile;

import static dev.llmxds.testing.ProjectionFixtures.ep;
import static dev.llmxds.testing.ProjectionFixtures.fleet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.ReconcilerConfig;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.testing.Await;
import dev.llmxds.xds.serve.XdsCache;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
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
  void aFleetChangeTellsEverySubscriberOnceWithWhatIsNowPublished() throws Exception {
    try (Reconciler r = PublicationTest.reconciler(new XdsCache())) {
      List<Published> first = new CopyOnWriteArrayList<>();
      List<Published> second = new CopyOnWriteArrayList<>();
      AutoCloseable registration = r.subscribe(first::add);
      r.subscribe(second::add);

      Fleet fleet = fleet(ep(1, "r1", "a"));
      r.onFleet(fleet); // through the debounce, as discovery delivers it; no weights at all
      Await.until(Duration.ofSeconds(10), () -> second.size() == 1, "second subscriber told");

      assertEquals(1, first.size(), "each subscriber told once");
      assertSame(fleet, first.get(0).fleet());
      assertSame(r.published(), first.get(0), "told what is now published");
      assertEquals(1, r.published().publications());
      assertTrue(r.published().publishNanos() > 0, "its time recorded");
      assertEquals(1, r.published().publishes(), "and counted with it");

      registration.close();
      r.onFleet(fleet(ep(2, "r1", "a")));
      Await.until(Duration.ofSeconds(10), () -> second.size() == 2, "second publication");
      assertEquals(1, first.size(), "an unsubscribed listener hears nothing more");
    }
  }
}
