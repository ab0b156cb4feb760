package dev.llmxds.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.Streams;
import dev.llmxds.testing.TestBackend;
import dev.llmxds.testing.TestServers;
import dev.llmxds.testing.XdsClients;
import io.grpc.Channel;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Session affinity end to end with grpc-java's own xDS client (issue 17): four backends in one
 * zone, a service with {@code affinity: {header: x-session-id}}. The same session lands on the same
 * backend, different sessions spread, and when a session's backend turns UNHEALTHY its sessions
 * move and stay together on one new backend each.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxylessAffinityTest {
  private static final Duration CONVERGE = Duration.ofSeconds(20);
  private static final Metadata.Key<String> SESSION =
      Metadata.Key.of("x-session-id", Metadata.ASCII_STRING_MARSHALLER);
  private static final int SESSIONS = 50;

  /**
   * grpc-java shares one XdsClient per target name in a process (SharedXdsClientPoolProvider) and
   * releases it only after a channel's resolver has shut down: a fresh name per test keeps a test
   * from inheriting the previous test's client and bootstrap.
   */
  private static final java.util.concurrent.atomic.AtomicInteger NAMES =
      new java.util.concurrent.atomic.AtomicInteger();

  private final String service = "chat-" + NAMES.incrementAndGet();

  @TempDir Path dir;
  private final List<TestBackend> backends = new ArrayList<>();
  private ManagedChannel channel;
  private LlmXds server;
  private Path fleet;

  @BeforeEach
  void start() {
    for (String name : List.of("g1", "g2", "g3", "g4")) {
      backends.add(new TestBackend(name));
    }
    fleet = dir.resolve("fleet.yaml");
    writeFleet(null);
    server = TestServers.start(TestServers.config(fleet, ""));
    channel =
        XdsClients.channel(service, XdsClients.bootstrap(server.xdsPort(), "client-a", "r1", "a"));
    // while both tests used the target name "chat", the second test's first RPC sometimes (2 runs
    // of 9) hit its 5 s deadline waiting for name resolution ("Name resolution delay 4.7 seconds");
    // with a fresh name per test 5 runs of 5 passed without waiting. Wait for it anyway before
    // measuring: placement is what this test is about
    Await.until(
        CONVERGE,
        () -> {
          try {
            who("warm-up");
            return true;
          } catch (StatusRuntimeException e) {
            return false;
          }
        },
        () -> "the channel resolves xds:///" + service);
  }

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
    backends.forEach(TestBackend::close);
  }

  /** The fleet file: every backend healthy but {@code unhealthy}; affinity on x-session-id. */
  private void writeFleet(String unhealthy) {
    List<Entry> entries = new ArrayList<>();
    for (TestBackend b : backends) {
      entries.add(
          Entry.of(b.port(), "r1", "a")
              .health(b.name().equals(unhealthy) ? "unhealthy" : "healthy"));
    }
    String yaml =
        FleetFiles.yaml(service, entries)
            .replace(
                "  - name: " + service + "\n",
                "  - name: " + service + "\n    affinity: {header: x-session-id}\n");
    FleetFiles.write(fleet, yaml);
  }

  /** The backend one RPC of {@code session} lands on; the header goes in through an interceptor. */
  private String who(String session) {
    Metadata headers = new Metadata();
    headers.put(SESSION, session);
    Channel withSession =
        ClientInterceptors.intercept(channel, MetadataUtils.newAttachHeadersInterceptor(headers));
    return TestBackend.who(withSession);
  }

  /** Where each session lands, checking that {@code rpcs} RPCs of each land on one backend. */
  private Map<String, String> placement(List<String> sessions, int rpcs) {
    Map<String, String> where = new LinkedHashMap<>();
    for (String s : sessions) {
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < rpcs; i++) {
        seen.add(who(s));
      }
      assertEquals(1, seen.size(), "every RPC of session " + s + " on one backend: " + seen);
      where.put(s, seen.iterator().next());
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
  void aSessionStaysOnOneBackendAndSessionsSpread() {
    Map<String, String> where = placement(sessions(), 4);
    Set<String> used = new HashSet<>(where.values());
    assertTrue(used.size() >= 3, SESSIONS + " sessions over 4 backends used " + used);
    assertEquals(where, placement(sessions(), 2), "the same sessions land where they did");

    // no header: grpc-java hashes a random number per RPC, so those RPCs spread
    Set<String> anonymous = new HashSet<>();
    for (int i = 0; i < 40; i++) {
      anonymous.add(TestBackend.who(channel));
    }
    assertTrue(anonymous.size() >= 2, "RPCs without the header spread: " + anonymous);

    Await.until(
        CONVERGE,
        () -> server.streams().nodes().stream().allMatch(Streams::fullyAcked),
        () -> "every version sent is ACKed: " + server.streams().nodes());
    assertEquals(0, server.streams().totalNacks());
  }

  @Test
  void whenASessionsBackendTurnsUnhealthyItsSessionsMoveAndStayTogether() {
    Map<String, String> before = placement(sessions(), 2);
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
        () -> moved.stream().noneMatch(s -> who(s).equals(victim)),
        () -> "the sessions of " + victim + " leave it");

    Map<String, String> after = placement(moved, 5);
    for (String s : moved) {
      assertNotEquals(victim, after.get(s), s);
    }
    assertEquals(after, placement(moved, 3), "moved sessions stay where they moved to");
    assertEquals(0, server.streams().totalNacks());
  }
}
