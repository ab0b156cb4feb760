package dev.llmxds.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.app.LlmXds;
import dev.llmxds.config.ConfigLoader;
import dev.llmxds.fleet.Locality;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.TestBackend;
import dev.llmxds.testing.TestServers;
import dev.llmxds.testing.XdsClients;
import dev.llmxds.testing.consul.ConsulControl;
import dev.llmxds.testing.consul.ConsulControl.Registration;
import dev.llmxds.testing.consul.ConsulDouble;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.serve.NodeStatus;
import io.grpc.ManagedChannel;
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

/**
 * Consul (the API double) → llm-xds → grpc-java's xDS client. A failing check, maintenance mode and
 * deregistration each move a zone-a client's RPCs; the time from the Consul change to the client's
 * ACK of the new endpoints is printed, not asserted.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsulEndToEndTest {
  private static final Duration CONVERGE = Duration.ofSeconds(20);

  private final List<TestBackend> backends = new ArrayList<>();
  private final Map<String, Long> latencies = new LinkedHashMap<>();
  private ConsulDouble consulDouble;
  private ConsulControl consul;
  private LlmXds server;
  private ManagedChannel client;

  @BeforeEach
  void start() {
    consulDouble = new ConsulDouble();
    consul = new ConsulControl(consulDouble.address());
    for (String name : List.of("a1", "a2", "b1", "c1")) {
      TestBackend b = new TestBackend(name);
      backends.add(b);
      String zone = name.substring(0, 1);
      consul.register(
          new Registration(name, "llama", b.port())
              .address("127.0.0.1")
              .locality(zone.equals("c") ? "r2" : "r1", zone)
              .meta(Map.of("llm-xds-engine", "vllm")));
    }
    server =
        TestServers.start(
            ConfigLoader.parse(
                """
                xds: {host: 127.0.0.1, port: 0}
                discovery:
                  source: consul
                  consul: {address: '%s', blockingWait: 60s, minInterval: 50ms}
                reconciler: {debounce: 20ms, maxWait: 200ms}
                load: {enabled: false}
                """
                    .formatted(consulDouble.address()),
                null));
    client =
        XdsClients.channel("llama", XdsClients.bootstrap(server.xdsPort(), "client-a", "r1", "a"));
  }

  @AfterEach
  void stop() {
    client.shutdownNow();
    server.close();
    consulDouble.close();
    backends.forEach(TestBackend::close);
    latencies.forEach(
        (change, ms) ->
            System.out.printf("Consul change → client ACK: %-32s %5d ms%n", change, ms));
  }

  private Set<String> zones(int n) {
    Set<String> zones = new HashSet<>();
    for (int i = 0; i < n; i++) {
      zones.add(TestBackend.who(client).substring(0, 1));
    }
    return zones;
  }

  private String ackedEds() {
    return server.streams().nodes().stream()
        .filter(n -> n.nodeId().equals("client-a"))
        .map(n -> n.types().get("eds"))
        .filter(t -> t != null)
        .map(NodeStatus.TypeStatus::ackedVersion)
        .findFirst()
        .orElse("");
  }

  /**
   * Applies a Consul change; records how long until the client ACKed new endpoints; awaits RPCs in
   * {@code zone}.
   */
  private void change(String what, Runnable consulChange, String zone) {
    String before = ackedEds();
    long started = System.nanoTime();
    consulChange.run();
    Await.until(
        CONVERGE, () -> !ackedEds().equals(before), () -> what + ": client ACKs new endpoints");
    latencies.put(what, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    Await.until(
        CONVERGE, () -> zones(1).equals(Set.of(zone)), () -> what + ": RPCs to zone " + zone);
    assertEquals(Set.of(zone), zones(10), what);
  }

  @Test
  void checkFailureMaintenanceAndDeregistrationReachTheClient() {
    Await.until(CONVERGE, () -> zones(1).equals(Set.of("a")), "RPCs in the client's zone");
    assertEquals(Set.of("a"), zones(20));

    change("check fails (zone a)", () -> List.of("a1", "a2").forEach(consul::fail), "b");
    change("check passes (zone a)", () -> List.of("a1", "a2").forEach(consul::pass), "a");
    change(
        "maintenance on (zone a)",
        () -> List.of("a1", "a2").forEach(id -> consul.maintenance(id, true)),
        "b");
    change(
        "maintenance off (zone a)",
        () -> List.of("a1", "a2").forEach(id -> consul.maintenance(id, false)),
        "a");
    change(
        "deregister (zone a, then b)",
        () -> List.of("a1", "a2", "b1").forEach(consul::deregister),
        "c");

    var cla =
        server
            .published()
            .groups()
            .get(new NodeGroupKey(ClientKind.PROXYLESS, Locality.of("r1", "a")))
            .resources()
            .loadAssignments()
            .get(0);
    assertEquals(1, cla.getEndpointsCount(), "only zone c is left");
    assertEquals(0, server.streams().totalNacks());
  }
}
