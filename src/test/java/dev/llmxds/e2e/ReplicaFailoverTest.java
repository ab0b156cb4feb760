package dev.llmxds.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.GrpcJsClient;
import dev.llmxds.testing.ReplicaNames;
import dev.llmxds.testing.Streams;
import dev.llmxds.testing.TestBackend;
import dev.llmxds.testing.TestServers;
import dev.llmxds.testing.XdsClients;
import dev.llmxds.xds.serve.NodeStatus;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two llm-xds replicas on the same fleet; grpc-java clients in two zones whose xDS server name
 * resolves to both. Kill the replica they are connected to while RPCs run: RPCs keep succeeding,
 * the clients reconnect to the other replica and receive the same versions (content versions,
 * scraping off), ACK everything and NACK nothing. Bring it back, kill the other one: the same.
 */
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class ReplicaFailoverTest {
  private static final Duration CONVERGE = Duration.ofSeconds(40);
  private static final List<String> ZONES = List.of("a", "b");

  @TempDir Path dir;
  private final List<TestBackend> backends = new ArrayList<>();
  private final List<AutoCloseable> closing = new ArrayList<>();
  private final LlmXds[] replicas = new LlmXds[2];
  private Path fleet;

  @AfterEach
  void stop() throws Exception {
    for (int i = closing.size() - 1; i >= 0; i--) {
      closing.get(i).close();
    }
    for (LlmXds r : replicas) {
      if (r != null) {
        r.close();
      }
    }
    backends.forEach(TestBackend::close);
  }

  private LlmXds startReplica() {
    return TestServers.start(TestServers.config(fleet, "load: {enabled: false}"));
  }

  /** A client's RPCs in a loop on its own thread, counting successes and failures. */
  private static final class Traffic implements AutoCloseable {
    final AtomicLong ok = new AtomicLong();
    final AtomicLong failed = new AtomicLong();
    final AtomicBoolean running = new AtomicBoolean(true);
    final Thread thread;

    Traffic(ManagedChannel channel, String zone) {
      thread =
          new Thread(
              () -> {
                while (running.get()) {
                  try {
                    String who = TestBackend.who(channel);
                    (who.startsWith(zone) ? ok : failed).incrementAndGet();
                  } catch (StatusRuntimeException e) {
                    failed.incrementAndGet();
                  }
                }
              },
              "traffic-" + zone);
      thread.setDaemon(true);
      thread.start();
    }

    @Override
    public void close() throws InterruptedException {
      running.set(false);
      thread.join(10_000);
    }
  }

  /** The client nodes of {@code replica}, by node id, once every one of them ACKed everything. */
  private static Map<String, NodeStatus> settledOn(LlmXds replica) {
    return settledOn(replica, ZONES.size());
  }

  private static Map<String, NodeStatus> settledOn(LlmXds replica, int clients) {
    Await.until(
        CONVERGE,
        () -> {
          List<NodeStatus> nodes = replica.streams().nodes();
          return nodes.stream().map(NodeStatus::nodeId).distinct().count() == clients
              && nodes.stream()
                  .allMatch(
                      n ->
                          Streams.fullyAcked(n)
                              && n.types().size() >= 2
                              && n.types().values().stream()
                                  .noneMatch(t -> t.ackedVersion().isEmpty()));
        },
        () -> "both clients on the replica, everything ACKed: " + replica.streams().nodes());
    Map<String, NodeStatus> out = new HashMap<>();
    replica.streams().nodes().forEach(n -> out.put(n.nodeId(), n));
    return out;
  }

  /** Per client and type, the version it ACKed. */
  private static Map<String, String> versions(Map<String, NodeStatus> nodes) {
    Map<String, String> out = new HashMap<>();
    nodes.forEach(
        (id, n) -> n.types().forEach((type, t) -> out.put(id + "/" + type, t.ackedVersion())));
    return out;
  }

  @Test
  void clientsFailOverBetweenReplicasWithoutAFailedRpcAndWithTheSameVersions() throws Exception {
    fleet = dir.resolve("fleet.yaml");
    List<Entry> entries = new ArrayList<>();
    for (String zone : ZONES) {
      TestBackend b = new TestBackend(zone + "1");
      backends.add(b);
      entries.add(Entry.of(b.port(), "r1", zone));
    }
    FleetFiles.write(fleet, FleetFiles.yaml("llama", entries));
    replicas[0] = startReplica();
    replicas[1] = startReplica();
    ReplicaNames names = new ReplicaNames();
    closing.add(names);
    names.add(() -> replicas[0] == null ? 1 : replicas[0].xdsPort());
    names.add(() -> replicas[1] == null ? 1 : replicas[1].xdsPort());

    List<Traffic> traffic = new ArrayList<>();
    for (String zone : ZONES) {
      Map<String, Object> bootstrap =
          new HashMap<>(XdsClients.bootstrap(0, "client-" + zone, "r1", zone));
      bootstrap.put(
          "xds_servers",
          List.of(
              Map.of(
                  "server_uri",
                  ReplicaNames.SCHEME + ":///llm-xds",
                  "channel_creds",
                  List.of(Map.of("type", "insecure")),
                  "server_features",
                  List.of("xds_v3"))));
      ManagedChannel channel = XdsClients.channel("llama", bootstrap);
      closing.add(channel::shutdownNow);
      Await.until(
          CONVERGE,
          () -> {
            try {
              return TestBackend.who(channel).startsWith(zone);
            } catch (StatusRuntimeException e) {
              return false;
            }
          },
          "zone " + zone + " client routed by llm-xds");
      Traffic t = new Traffic(channel, zone);
      traffic.add(t);
      closing.add(t);
    }

    Map<String, String> onFirst = versions(settledOn(replicas[0]));
    assertTrue(replicas[1].streams().nodes().isEmpty(), "every client on the first replica");

    replicas[0].close(); // the replica the clients are connected to dies, RPCs running
    replicas[0] = null;
    Map<String, String> onSecond = versions(settledOn(replicas[1]));
    assertEquals(
        onFirst, onSecond, "the same versions from the other replica: nothing new to apply");
    assertEquals(0, replicas[1].streams().totalNacks());

    replicas[0] = startReplica(); // back (on a new port, as a rescheduled pod would be)
    long okBefore = traffic.stream().mapToLong(t -> t.ok.get()).sum();
    replicas[1].close(); // now the other one dies
    replicas[1] = null;
    Map<String, String> back = versions(settledOn(replicas[0]));
    assertEquals(onFirst, back, "and again the same versions");
    assertEquals(0, replicas[0].streams().totalNacks());
    Await.until(
        CONVERGE,
        () -> traffic.stream().mapToLong(t -> t.ok.get()).sum() > okBefore + 100,
        "RPCs still flowing");

    for (Traffic t : traffic) {
      t.close();
    }
    long ok = traffic.stream().mapToLong(t -> t.ok.get()).sum();
    long failed = traffic.stream().mapToLong(t -> t.failed.get()).sum();
    System.out.printf("replica failover: %d RPCs succeeded, %d failed%n", ok, failed);
    assertEquals(0, failed, "no RPC failed or left its zone across two control-plane deaths");
  }

  /**
   * grpc-js uses only the first {@code xds_servers} entry; its target may list several addresses
   * ({@code ipv4:a:p1,b:p2}, grpc-js's IP resolver, as a DNS name with several records would), and
   * its xDS channel's pick_first moves to the next when the connected one dies.
   */
  @Test
  void grpcJsFailsOverWhenItsServerNameListsBothReplicas() {
    Assumptions.assumeTrue(GrpcJsClient.available(), "Node.js with grpc-js not installed");
    fleet = dir.resolve("fleet.yaml");
    TestBackend a1 = new TestBackend("a1");
    backends.add(a1);
    FleetFiles.write(fleet, FleetFiles.yaml("llama", List.of(Entry.of(a1.port(), "r1", "a"))));
    replicas[0] = startReplica();
    replicas[1] = startReplica();
    Map<String, Object> bootstrap =
        new HashMap<>(GrpcJsClient.bootstrap(0, "js-replicas", "r1", "a"));
    bootstrap.put(
        "xds_servers",
        List.of(
            Map.of(
                "server_uri",
                "ipv4:127.0.0.1:" + replicas[0].xdsPort() + ",127.0.0.1:" + replicas[1].xdsPort(),
                "channel_creds",
                List.of(Map.of("type", "insecure")),
                "server_features",
                List.of())));
    GrpcJsClient client = GrpcJsClient.start("llama", bootstrap, false);
    closing.add(client);
    Await.until(CONVERGE, () -> client.call(1).ok().getOrDefault("a1", 0) == 1, "routed");
    Map<String, String> onFirst = versions(settledOn(replicas[0], 1));

    replicas[0].close();
    replicas[0] = null;
    Map<String, String> onSecond = versions(settledOn(replicas[1], 1));
    assertEquals(onFirst, onSecond, "the same versions from the other replica");
    GrpcJsClient.Calls calls = client.call(20);
    assertEquals(20, calls.ok().getOrDefault("a1", 0), "RPCs keep working: " + calls);
    assertEquals(0, replicas[1].streams().totalNacks());
  }
}
