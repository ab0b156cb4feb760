package dev.llmxds.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.GrpcJsClient;
import dev.llmxds.testing.ReplicaNames;
import dev.llmxds.testing.TestBackend;
import dev.llmxds.testing.TestServers;
import dev.llmxds.testing.XdsClients;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * What grpc-java and grpc-js do with the several {@code xds_servers} of the shipped bootstrap
 * ({@code deploy/grpc/xds-bootstrap.json}, its servers pointed at loopback ports): grpc-java,
 * holding nothing yet, falls back down the list to a live server, but once it holds its
 * configuration it stays with the first server; when that first server is a name resolving to every
 * replica, it moves to a live replica; grpc-js uses only the first entry.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class GrpcBootstrapServersTest {
  private static final Duration CONVERGE = Duration.ofSeconds(20);

  @TempDir Path dir;
  private TestBackend backend;
  private LlmXds server;
  private final List<AutoCloseable> clients = new ArrayList<>();
  private int closedPort;

  @BeforeEach
  void start() throws IOException {
    backend = new TestBackend("a1");
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(fleet, FleetFiles.yaml("llama", List.of(Entry.of(backend.port(), "r1", "a"))));
    server = TestServers.start(TestServers.config(fleet, "load: {enabled: false}"));
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort(); // nothing listens there once closed
    }
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable c : clients) {
      c.close();
    }
    if (server != null) {
      server.close();
    }
    backend.close();
  }

  /**
   * The shipped bootstrap with server {@code live} (0-based) on llm-xds and the others on a closed
   * port, keeping each entry's scheme and credentials; node {@code nodeId} in r1/a.
   */
  @SuppressWarnings("unchecked")
  private Map<String, Object> shipped(int live, String nodeId) throws IOException {
    Map<String, Object> b =
        new ObjectMapper().readValue(Path.of("deploy/grpc/xds-bootstrap.json").toFile(), Map.class);
    List<Map<String, Object>> servers = (List<Map<String, Object>>) b.get("xds_servers");
    assertTrue(servers.size() >= 2 && live < servers.size(), "several servers: " + servers);
    for (int i = 0; i < servers.size(); i++) {
      int port = i == live ? server.xdsPort() : closedPort;
      String uri = (String) servers.get(i).get("server_uri");
      servers.get(i).put("server_uri", uri.replaceFirst("[^/]+$", "127.0.0.1:" + port));
    }
    Map<String, Object> node = (Map<String, Object>) b.get("node");
    node.put("id", nodeId);
    node.put("locality", Map.of("region", "r1", "zone", "a"));
    return b;
  }

  private boolean seen(String nodeId) {
    return seen(server, nodeId);
  }

  private static boolean seen(LlmXds replica, String nodeId) {
    return replica.streams().nodes().stream().anyMatch(n -> n.nodeId().equals(nodeId));
  }

  private static boolean rpcLandsOnA1(ManagedChannel ch) {
    try {
      return TestBackend.who(ch).equals("a1");
    } catch (StatusRuntimeException e) {
      return false;
    }
  }

  @Test
  void grpcJavaFallsBackDownTheListWhileItHoldsNoConfiguration() throws Exception {
    ManagedChannel ch = XdsClients.channel("llama", shipped(1, "java-fallback"));
    clients.add(ch::shutdownNow);
    AtomicReference<Object> last = new AtomicReference<>();
    Await.until(
        CONVERGE,
        () -> {
          try {
            return TestBackend.who(ch).equals("a1");
          } catch (StatusRuntimeException e) {
            last.set(e.getStatus());
            return false;
          }
        },
        () -> "grpc-java reached the second server: " + last.get());
    assertTrue(seen("java-fallback"));
    assertEquals(0, server.streams().totalNacks());
  }

  @Test
  void grpcJsUsesOnlyTheFirstServer() throws Exception {
    Assumptions.assumeTrue(
        GrpcJsClient.available(),
        "needs node and `npm ci` in src/test/node (grpc-js and grpc-js-xds)");
    // the shipped bootstrap, several servers and all, is accepted, and the first one used
    GrpcJsClient first = GrpcJsClient.start("llama", shipped(0, "js-first"), false);
    clients.add(first);
    Await.until(
        CONVERGE,
        () -> first.call(1).ok().containsKey("a1"),
        () -> "grpc-js routes with the first server's configuration\n" + first.logTail(20));
    first.close();

    // the live server second: grpc-js never asks it, in well over the time grpc-java needs to
    // fall back to it (the test above: about a second)
    GrpcJsClient second = GrpcJsClient.start("llama", shipped(1, "js-second"), false);
    clients.add(second);
    long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    int failed = 0;
    while (System.nanoTime() < until) {
      GrpcJsClient.Calls calls = second.call(1);
      assertTrue(calls.ok().isEmpty(), "no configuration without the first server: " + calls);
      failed += calls.failed();
      assertFalse(seen("js-second"), "grpc-js asked a server other than the first");
    }
    assertTrue(failed > 0, "RPCs were attempted");
  }

  /** A second llm-xds on the same fleet: {@code server} and it are the two replicas. */
  private LlmXds secondReplica() {
    Path fleet = dir.resolve("fleet.yaml");
    LlmXds r = TestServers.start(TestServers.config(fleet, "load: {enabled: false}"));
    clients.add(r);
    return r;
  }

  @Test
  void grpcJavaMovesToAnotherReplicaWhenTheFirstServerNameResolvesToEveryReplica()
      throws Exception {
    LlmXds second = secondReplica();
    ReplicaNames names = new ReplicaNames(); // a name resolving to both, like DNS
    clients.add(names);
    int first = server.xdsPort();
    names.add(() -> first);
    names.add(second::xdsPort);
    @SuppressWarnings("unchecked")
    Map<String, Object> bootstrap = shipped(0, "java-replicas");
    List<Map<String, Object>> servers = (List<Map<String, Object>>) bootstrap.get("xds_servers");
    servers.get(0).put("server_uri", ReplicaNames.SCHEME + ":///llm-xds");
    ManagedChannel ch = XdsClients.channel("llama", bootstrap);
    clients.add(0, ch::shutdownNow);
    Await.until(CONVERGE, () -> rpcLandsOnA1(ch), "RPCs routed with llm-xds's configuration");
    assertTrue(seen(server, "java-replicas") && !seen(second, "java-replicas"), "on the first");

    server.close(); // the replica it is connected to dies
    server = null;
    Await.until(
        CONVERGE, () -> seen(second, "java-replicas"), "the client's stream moved to the other");
    for (int i = 0; i < 20; i++) {
      assertEquals("a1", TestBackend.who(ch), "RPCs keep working");
    }
    Await.until(
        CONVERGE,
        () ->
            second.streams().nodes().stream()
                .filter(n -> n.nodeId().equals("java-replicas"))
                .anyMatch(dev.llmxds.testing.Streams::fullyAcked),
        () -> "it ACKs the other replica's configuration: " + second.streams().nodes());
    assertEquals(0, second.streams().totalNacks());
  }

  @Test
  void grpcJavaHoldingItsConfigurationDoesNotFallBackToALaterServer() throws Exception {
    LlmXds second = secondReplica();
    @SuppressWarnings("unchecked")
    Map<String, Object> bootstrap = shipped(0, "java-list");
    List<Map<String, Object>> servers = (List<Map<String, Object>>) bootstrap.get("xds_servers");
    servers.get(1).put("server_uri", "127.0.0.1:" + second.xdsPort());
    ManagedChannel ch = XdsClients.channel("llama", bootstrap);
    clients.add(0, ch::shutdownNow);
    Await.until(CONVERGE, () -> rpcLandsOnA1(ch), "RPCs routed with llm-xds's configuration");

    server.close(); // the first server dies; the second entry is a live replica
    server = null;
    // RPCs go on with the cached configuration, and the client keeps retrying the first server
    // instead of asking the second (gRFC A71: fallback only for resources not yet received)
    long until = System.nanoTime() + Duration.ofSeconds(8).toNanos();
    while (System.nanoTime() < until) {
      assertEquals("a1", TestBackend.who(ch), "RPCs keep working on cached configuration");
      assertFalse(seen(second, "java-list"), "grpc-java fell back although it held everything");
      LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
    }
  }
}
