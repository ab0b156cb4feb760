package dev.llmxds.discovery.consul;

import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.ConsulConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.testing.Await;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/** A running ConsulFleetSource and every fleet it delivered. */
final class ConsulSourceHarness implements AutoCloseable {
  static final Duration CYCLE = Duration.ofSeconds(10);

  final ConsulFleetSource source;
  final List<Fleet> fleets = new CopyOnWriteArrayList<>();

  /** The threads fleets were delivered on. */
  final java.util.Set<String> listenerThreads = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * Blocking waits far longer than the test waits: a change seen in time came from a blocking
   * return.
   */
  static ConsulConfig config(URI address, String extraYaml) {
    StringBuilder defaults = new StringBuilder();
    for (String line :
        List.of(
            "blockingWait: 60s",
            "minInterval: 20ms",
            "errorBackoff: 50ms",
            "maxErrorBackoff: 200ms")) {
      String key = line.substring(0, line.indexOf(':') + 1);
      if (!extraYaml.contains(key)) { // a key given twice is a config error: the test's wins
        defaults.append("    ").append(line).append('\n');
      }
    }
    return ConfigLoader.parse(
            """
            discovery:
              source: consul
              consul:
                address: %s
            %s    %s
            """
                .formatted(address, defaults, extraYaml),
            null)
        .discovery()
        .consul();
  }

  ConsulSourceHarness(ConsulConfig config, Map<String, String> env) {
    source = new ConsulFleetSource(config, Clock.systemUTC(), env);
    source.start(
        fleet -> {
          listenerThreads.add(Thread.currentThread().getName());
          fleets.add(fleet);
        });
  }

  Fleet latest() {
    return fleets.isEmpty() ? null : fleets.get(fleets.size() - 1);
  }

  Optional<Endpoint> endpoint(String service, int port) {
    Fleet f = latest();
    if (f == null) {
      return Optional.empty();
    }
    return f.service(service).stream()
        .flatMap(s -> s.endpoints().stream())
        .filter(e -> e.port() == port)
        .findFirst();
  }

  /** Waits until the latest fleet satisfies {@code condition}. */
  Fleet awaitFleet(String what, Predicate<Fleet> condition) {
    Await.until(
        CYCLE,
        () -> latest() != null && condition.test(latest()),
        () -> what + "; latest fleet: " + latest() + "; status: " + source.status());
    return latest();
  }

  Endpoint awaitEndpoint(String service, int port, Predicate<Endpoint> condition) {
    awaitFleet(
        service + " endpoint :" + port, f -> endpoint(service, port).filter(condition).isPresent());
    return endpoint(service, port).orElseThrow();
  }

  static boolean hasService(Fleet f, String name) {
    return f.service(name).map(InferenceService::endpoints).filter(e -> !e.isEmpty()).isPresent();
  }

  @Override
  public void close() {
    source.close();
  }
}
