package dev.llmxds.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.Streams;
import dev.llmxds.testing.TestBackend;
import dev.llmxds.testing.TestServers;
import dev.llmxds.testing.XdsClients;
import dev.llmxds.xds.serve.NodeStatus;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * grpc-java's own xDS client against llm-xds: backends in zones a and b (region r1) and c (region
 * r2); clients in zone a and zone b. RPCs stay in the client's zone and fail over by priority when
 * the fleet file marks a zone UNHEALTHY or DRAINING, and come back when it recovers.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ProxylessFailoverTest {
  private static final Duration CONVERGE = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final List<TestBackend> backends = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private LlmXds server;
  private Path fleet;

  @BeforeEach
  void start() {
    for (String name : List.of("a1", "a2", "b1", "b2", "c1", "c2", "x1")) {
      backends.add(new TestBackend(name));
    }
    fleet = dir.resolve("fleet.yaml");
    writeFleet(zone -> "healthy");
    server = TestServers.start(TestServers.config(fleet, ""));
  }

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
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

  private ManagedChannel client(String id, String zone) {
    String region = zone.equals("c") ? "r2" : "r1";
    ManagedChannel ch =
        XdsClients.channel("llama", XdsClients.bootstrap(server.xdsPort(), id, region, zone));
    channels.add(ch);
    return ch;
  }

  /** Zones the next {@code n} RPCs land in. */
  private static Set<String> zonesOf(ManagedChannel ch, int n) {
    Set<String> zones = new HashSet<>();
    for (int i = 0; i < n; i++) {
      zones.add(TestBackend.who(ch).substring(0, 1));
    }
    return zones;
  }

  /** Waits until RPCs land in {@code zone}, then checks the next 20 all do. */
  private static void awaitZone(ManagedChannel ch, String zone) {
    Await.until(
        CONVERGE, () -> zonesOf(ch, 1).equals(Set.of(zone)), () -> "RPCs moving to zone " + zone);
    assertEquals(Set.of(zone), zonesOf(ch, 20), "all RPCs in zone " + zone);
  }

  @Test
  void routesToOwnZoneFailsOverByPriorityAndComesBack() {
    ManagedChannel inA = client("client-a", "a");
    ManagedChannel inB = client("client-b", "b");

    assertEquals(Set.of("a"), zonesOf(inA, 20));
    assertEquals(Set.of("b"), zonesOf(inB, 20));

    writeFleet(zone -> zone.equals("a") ? "unhealthy" : "healthy");
    awaitZone(inA, "b");
    assertEquals(Set.of("b"), zonesOf(inB, 20));

    writeFleet(zone -> zone.equals("c") ? "healthy" : "draining");
    awaitZone(inA, "c");
    awaitZone(inB, "c");

    writeFleet(zone -> "healthy");
    awaitZone(inA, "a");
    awaitZone(inB, "b");

    Await.until(
        CONVERGE,
        () -> server.streams().nodes().stream().allMatch(Streams::fullyAcked),
        () -> "every version sent is ACKed: " + server.streams().nodes());
    List<NodeStatus> nodes = server.streams().nodes();
    assertEquals(
        Set.of("client-a", "client-b"),
        nodes.stream().map(NodeStatus::nodeId).collect(Collectors.toSet()));
    for (NodeStatus n : nodes) {
      assertEquals(Set.of("lds", "cds", "eds"), n.types().keySet(), n.toString());
      assertTrue(n.types().get("eds").responses() >= 4, "each change reached " + n.nodeId());
    }
    assertEquals(0, server.streams().totalNacks());
  }

  @Test
  void aBackupInTheClientsOwnZoneIsUsedOnlyWhenNothingElseIsHealthy() {
    ManagedChannel inC = client("client-c", "c");
    // the backup x1 sits in zone c too: its locality must not replace c1/c2's for grpc-java
    assertEquals(Set.of("c"), zonesOf(inC, 20));
    writeFleet(zone -> "draining");
    awaitZone(inC, "x");
    writeFleet(zone -> zone.equals("a") ? "healthy" : "draining");
    awaitZone(inC, "a");
    writeFleet(zone -> "healthy");
    awaitZone(inC, "c");
    assertEquals(0, server.streams().totalNacks());
  }

  @Test
  void aRemovedServiceFailsItsClientsAtOnceInsteadOfLeavingThemOnStaleEndpoints() {
    ManagedChannel inA = client("client-a", "a");
    assertEquals(Set.of("a"), zonesOf(inA, 5));

    FleetFiles.write(fleet, "services: []\n");
    long started = System.nanoTime();
    Await.until(
        CONVERGE,
        () -> {
          try {
            TestBackend.who(inA);
            return false;
          } catch (io.grpc.StatusRuntimeException e) {
            return e.getStatus().getCode() == io.grpc.Status.Code.UNAVAILABLE;
          }
        },
        "RPCs to a removed service fail");
    assertTrue(
        System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10),
        "well before grpc's 15 s does-not-exist timer");
  }
}
