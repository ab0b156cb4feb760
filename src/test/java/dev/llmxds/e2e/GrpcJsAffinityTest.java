package dev.llmxds.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.GrpcJsClient;
import dev.llmxds.testing.Streams;
import dev.llmxds.testing.TestBackend;
import dev.llmxds.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session affinity with grpc-js's xDS client (grpc-js-xds 1.14): the ring hash policy and the
 * route's header hash policy work there too. Four backends in one zone; the same session lands on
 * one backend, sessions spread, and a session whose backend turns UNHEALTHY moves and stays
 * together. Skipped without Node (see {@link GrpcJsClient#available()}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrpcJsAffinityTest {
  private static final Duration CONVERGE = Duration.ofSeconds(20);
  private static final int SESSIONS = 30;

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
    for (String name : List.of("g1", "g2", "g3", "g4")) {
      backends.add(new TestBackend(name));
    }
    fleet = dir.resolve("fleet.yaml");
    writeFleet(null);
    server = TestServers.start(TestServers.config(fleet, ""));
    client =
        GrpcJsClient.start(
            "chat", GrpcJsClient.bootstrap(server.xdsPort(), "js-client-a", "r1", "a"), false);
    GrpcJsClient.Calls[] last = {null};
    Await.until(
        CONVERGE,
        () -> (last[0] = client.call(1, "x-session-id", "warm-up")).failed() == 0,
        () -> "grpc-js resolves xds:///chat: " + last[0] + "\n" + client.logTail(30));
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

  private void writeFleet(String unhealthy) {
    List<Entry> entries = new ArrayList<>();
    for (TestBackend b : backends) {
      entries.add(
          Entry.of(b.port(), "r1", "a")
              .health(b.name().equals(unhealthy) ? "unhealthy" : "healthy"));
    }
    FleetFiles.write(
        fleet,
        FleetFiles.yaml("chat", entries)
            .replace("  - name: chat\n", "  - name: chat\n    affinity: {header: x-session-id}\n"));
  }

  /** Where each session lands; every one of its {@code rpcs} RPCs must land there. */
  private Map<String, String> placement(List<String> sessions, int rpcs) {
    Map<String, String> where = new LinkedHashMap<>();
    for (String s : sessions) {
      GrpcJsClient.Calls c = client.call(rpcs, "x-session-id", s);
      assertEquals(0, c.failed(), s + ": " + c);
      assertEquals(1, c.ok().size(), "every RPC of session " + s + " on one backend: " + c.ok());
      where.put(s, c.ok().keySet().iterator().next());
    }
    return where;
  }

  private static List<String> sessions() {
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < SESSIONS; i++) {
      sessions.add("session-" + i);
    }
    return sessions;
  }

  @Test
  void sessionsStayTogetherSpreadAndMoveTogetherWhenTheirBackendFails() {
    Map<String, String> before = placement(sessions(), 3);
    Set<String> used = new HashSet<>(before.values());
    assertTrue(used.size() >= 3, SESSIONS + " sessions over 4 backends used " + used);
    assertTrue(client.call(40).ok().size() >= 2, "RPCs without the header spread");

    Map<String, Integer> load = new LinkedHashMap<>();
    before.values().forEach(b -> load.merge(b, 1, Integer::sum));
    String victim =
        load.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    List<String> moved =
        before.entrySet().stream()
            .filter(e -> e.getValue().equals(victim))
            .map(Map.Entry::getKey)
            .toList();
    writeFleet(victim);
    Await.until(
        CONVERGE,
        () ->
            moved.stream()
                .noneMatch(s -> client.call(1, "x-session-id", s).ok().containsKey(victim)),
        () -> "the sessions of " + victim + " leave it");
    Map<String, String> after = placement(moved, 4);
    after.values().forEach(b -> assertNotEquals(victim, b));
    assertEquals(after, placement(moved, 2), "moved sessions stay where they moved to");

    Await.until(
        CONVERGE,
        () -> server.streams().nodes().stream().allMatch(Streams::fullyAcked),
        () -> "every version sent is ACKed: " + server.streams().nodes());
    assertEquals(0, server.streams().totalNacks());
  }
}
