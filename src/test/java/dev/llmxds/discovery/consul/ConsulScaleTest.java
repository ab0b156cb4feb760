package dev.llmxds.discovery.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.consul.ConsulControl;
import dev.llmxds.testing.consul.ConsulDouble;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Consul at fleet scale: 2,000 services of 5 instances each. The first fleet comes quickly, the
 * watcher's threads stay bounded, and one check change reaches the fleet within a second of Consul
 * answering — each answer updates one service, not the whole fleet under a lock.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsulScaleTest {
  static final int SERVICES = 2_000;
  static final int PER_SERVICE = 5;

  /** The source's own threads and its HTTP client's, by name without the trailing number. */
  private static Map<String, Long> watcherThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .map(Thread::getName)
        .filter(n -> n.startsWith("consul-") || n.startsWith("HttpClient-"))
        .collect(
            java.util.stream.Collectors.groupingBy(
                n -> n.replaceAll("[0-9]+$", ""),
                java.util.TreeMap::new,
                java.util.stream.Collectors.counting()));
  }

  @Test
  void twoThousandServicesAreReadyFastWithFewThreadsAndACheckChangeLandsInUnderASecond() {
    try (ConsulDouble consul = new ConsulDouble()) {
      List<Map<String, Object>> bodies = new ArrayList<>();
      for (int s = 0; s < SERVICES; s++) {
        for (int i = 0; i < PER_SERVICE; i++) {
          int port = 10_000 + s * PER_SERVICE + i;
          bodies.add(
              new ConsulControl.Registration("svc-" + s + "-" + i, "svc-" + s, port % 60_000 + 1)
                  .address("10.0." + (s % 250) + "." + (i + 1))
                  .locality("r1", "z" + (i % 3))
                  .body());
        }
      }
      consul.registerAll(bodies);
      long started = System.nanoTime();
      try (ConsulSourceHarness h =
          new ConsulSourceHarness(ConsulSourceHarness.config(consul.address(), ""), Map.of())) {
        Await.until(
            Duration.ofSeconds(60),
            () -> h.latest() != null && h.latest().services().size() == SERVICES,
            () ->
                "first fleet with every service: "
                    + (h.latest() == null ? "none" : h.latest().services().size()));
        double ready = (System.nanoTime() - started) / 1e9;
        // every service's watch is now blocked in Consul
        Await.until(
            Duration.ofSeconds(30),
            () -> consul.blockedQueries() >= SERVICES,
            () -> consul.blockedQueries() + " blocked queries");
        Map<String, Long> byName = watcherThreads();
        long threads = byName.values().stream().mapToLong(Long::longValue).sum();
        System.out.printf(
            "Consul scale: %d services / %d instances ready in %.1f s, %d watcher threads %s%n",
            SERVICES, SERVICES * PER_SERVICE, ready, threads, byName);

        new ConsulControl(consul.address()).fail("svc-1234-3");
        long changed = System.nanoTime();
        Await.until(
            Duration.ofSeconds(10),
            () -> unhealthy(h.latest(), "svc-1234"),
            () -> "svc-1234-3 unhealthy in the fleet");
        double took = (System.nanoTime() - changed) / 1e9;
        System.out.printf("Consul scale: one check change reached the fleet in %.3f s%n", took);
        assertTrue(took < 1.0, "check change took " + took + " s");
        assertTrue(threads < 50, threads + " watcher threads: " + byName);
        assertEquals(
            java.util.Set.of("consul-watch"),
            h.listenerThreads,
            "answers handled and fleets delivered on the watch thread, not a shared pool's");
      }
    }
  }

  private static boolean unhealthy(Fleet fleet, String service) {
    return fleet != null
        && fleet.services().get(service) != null
        && fleet.services().get(service).endpoints().stream()
            .anyMatch(e -> e.health() == EndpointHealth.UNHEALTHY);
  }
}
