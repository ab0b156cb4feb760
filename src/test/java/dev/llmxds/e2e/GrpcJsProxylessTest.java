package dev.llmxds.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.GrpcJsClient;
import dev.llmxds.testing.Streams;
import dev.llmxds.testing.TestBackend;
import dev.llmxds.testing.TestServers;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.serve.NodeStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * grpc-js's xDS client (grpc-js-xds, a second implementation next to grpc-java's) against llm-xds:
 * backends in zones a and b (region r1) and c (region r2), a client in zone a. Its RPCs stay in
 * zone a, fail over by priority when zone a is UNHEALTHY, to the other region when region r1 is
 * DRAINING, and come back; every response it got was ACKed. Skipped without Node (see {@link
 * GrpcJsClient#available()}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrpcJsProxylessTest {
  private static final Duration CONVERGE = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final List<TestBackend> backends = new ArrayList<>();
  private GrpcJsClient client;
  private LlmXds server;
  private Path fleet;

  @BeforeEach
  void start() {
    Assumptions.assumeTrue(
        GrpcJsClient.available(),
        "needs node and `npm ci` in src/test/node (grpc-js and grpc-js-xds)");
    for (String name : List.of("a1", "a2", "b1", "b2", "c1", "c2", "x1")) {
      backends.add(new TestBackend(name));
    }
    fleet = dir.resolve("fleet.yaml");
    writeFleet(zone -> "healthy");
    server = TestServers.start(TestServers.config(fleet, ""));
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.close();
    }
    backends.forEach(TestBackend::close);
  }

  private void writeFleet(Function<String, String> healthOfZone) {
    List<Entry> entries = new ArrayList<>();
    for (TestBackend b : backends) {
      String zone = b.name().substring(0, 1);
      if (zone.equals("x")) { // a backup GPU, registered in zone c like c1 and c2
        entries.add(Entry.of(b.port(), "r2", "c").asBackup());
        continue;
      }
      String region = zone.equals("c") ? "r2" : "r1";
      entries.add(Entry.of(b.port(), region, zone).health(healthOfZone.apply(zone)));
    }
    FleetFiles.write(fleet, FleetFiles.yaml("llama", entries));
  }

  /** Fails at once, with the client's reason, if grpc-js NACKed anything. */
  private void assertNoNack() {
    if (server.streams().totalNacks() == 0) {
      return;
    }
    StringBuilder why = new StringBuilder("grpc-js NACKed llm-xds's resources:");
    for (NodeStatus n : server.streams().nodes()) {
      n.types()
          .forEach(
              (type, t) -> {
                if (t.nacks() > 0) {
                  why.append("\n  ")
                      .append(n.nodeId())
                      .append(' ')
                      .append(type)
                      .append(" version ")
                      .append(t.lastNack().version())
                      .append(": ")
                      .append(t.lastNack().error());
                }
              });
    }
    why.append("\ngrpc-js log (tail):\n").append(client.logTail(30));
    fail(why.toString());
  }

  /** Zones the next {@code n} RPCs landed in; a failed RPC counts as zone "!" + its status. */
  private Set<String> zonesOf(int n) {
    GrpcJsClient.Calls calls = client.call(n);
    Set<String> zones =
        calls.ok().keySet().stream()
            .map(b -> b.substring(0, 1))
            .collect(Collectors.toCollection(HashSet::new));
    calls.errors().keySet().forEach(code -> zones.add("!" + code + " (" + calls.lastError() + ")"));
    return zones;
  }

  /** Waits until RPCs land in {@code zone}, then checks the next 20 all do. */
  private void awaitZone(String zone) {
    List<Set<String>> seen = new ArrayList<>();
    Await.until(
        CONVERGE,
        () -> {
          assertNoNack();
          Set<String> zones = zonesOf(1);
          if (seen.isEmpty() || !seen.get(seen.size() - 1).equals(zones)) {
            seen.add(zones);
          }
          return zones.equals(Set.of(zone));
        },
        () -> "RPCs moving to zone " + zone + "; seen " + seen + "\n" + client.logTail(30));
    assertEquals(Set.of(zone), zonesOf(20), "all RPCs in zone " + zone);
    assertNoNack();
  }

  @Test
  void routesToOwnZoneFailsOverByPriorityAndComesBackAndAcksEverything() {
    client =
        GrpcJsClient.start(
            "llama", GrpcJsClient.bootstrap(server.xdsPort(), "js-client-a", "r1", "a"), true);

    awaitZone("a");

    writeFleet(zone -> zone.equals("a") ? "unhealthy" : "healthy");
    awaitZone("b");

    writeFleet(zone -> zone.equals("c") ? "healthy" : "draining");
    awaitZone("c"); // c1 and c2, not the backup x1 registered in zone c

    writeFleet(zone -> "draining");
    awaitZone("x"); // nothing else is healthy: the backup

    writeFleet(zone -> "healthy");
    awaitZone("a");

    Await.until(
        CONVERGE,
        () -> {
          assertNoNack();
          return server.streams().nodes().stream().allMatch(Streams::fullyAcked);
        },
        () -> "every version sent is ACKed: " + server.streams().nodes());
    List<NodeStatus> nodes = server.streams().nodes();
    assertEquals(1, nodes.size(), nodes.toString());
    NodeStatus n = nodes.get(0);
    assertEquals("js-client-a", n.nodeId());
    assertEquals(ClientKind.PROXYLESS, n.kind(), "grpc-js's user agent makes it proxyless");
    assertEquals(Set.of("lds", "cds", "eds"), n.types().keySet(), n.toString());
    assertTrue(n.types().get("eds").responses() >= 5, "each change reached the client: " + n);
    for (Map.Entry<String, NodeStatus.TypeStatus> t : n.types().entrySet()) {
      assertEquals(t.getValue().responses(), t.getValue().acks(), t.getKey() + " all ACKed");
    }
    assertEquals(0, server.streams().totalNacks());
  }

  @Test
  void aRemovedServiceFailsItsClientAtOnce() {
    client =
        GrpcJsClient.start(
            "llama", GrpcJsClient.bootstrap(server.xdsPort(), "js-client-gone", "r1", "a"), false);
    awaitZone("a");

    FleetFiles.write(fleet, "services: []\n");
    long started = System.nanoTime();
    Await.until(
        CONVERGE,
        () -> {
          GrpcJsClient.Calls calls = client.call(1);
          return calls.ok().isEmpty() && calls.failed() == 1;
        },
        () -> "RPCs to a removed service fail\n" + client.logTail(30));
    assertTrue(
        System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10),
        "well before the 15 s does-not-exist timer");
    assertNoNack();
  }
}
