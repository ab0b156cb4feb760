package dev.llmxds.xds.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.AdsClient;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestServers;
import dev.llmxds.xds.resource.NodeGroupKey;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Raw ADS clients from many zones: the groups they create are freed once they leave, and beyond
 * {@code xds.maxNodeGroups} a new zone is refused while the existing ones keep working.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class NodeGroupEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private LlmXds server;
  private ManagedChannel channel;
  private final List<AdsClient<DiscoveryRequest, DiscoveryResponse>> clients = new ArrayList<>();

  @AfterEach
  void stop() {
    clients.forEach(AdsClient::close);
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private Path start(String xdsYaml) {
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(fleet, FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"))));
    server = TestServers.start(TestServers.config(fleet, xdsYaml, ""));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    return fleet;
  }

  private static DiscoveryRequest cds(Node node) {
    return DiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
        .build();
  }

  private static DiscoveryRequest ack(Node node, DiscoveryResponse r) {
    return cds(node).toBuilder()
        .setVersionInfo(r.getVersionInfo())
        .setResponseNonce(r.getNonce())
        .build();
  }

  /** Opens a stream from {@code zone}, takes its clusters and ACKs them. */
  private AdsClient<DiscoveryRequest, DiscoveryResponse> connect(String zone) throws Exception {
    AdsClient<DiscoveryRequest, DiscoveryResponse> ads = AdsClient.sotw(channel);
    clients.add(ads);
    Node node = AdsClient.node("envoy-" + zone, "r1", zone);
    ads.send(cds(node));
    ads.send(ack(node, ads.next(WAIT)));
    return ads;
  }

  private static String clusterName(DiscoveryResponse r) throws Exception {
    return r.getResources(0).unpack(Cluster.class).getName();
  }

  private static long usedHeapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    System.gc();
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  void groupsOfClientsThatLeftAreFreedAfterTheIdleTimeout() throws Exception {
    Path fleet = start("{host: 127.0.0.1, port: 0, groupIdleTimeout: 300ms, maxNodeGroups: 1000}");
    var live = connect("live");
    long heapBefore = usedHeapAfterGc();

    List<AdsClient<DiscoveryRequest, DiscoveryResponse>> passing = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      passing.add(connect("zone-" + i));
    }
    assertEquals(301, server.published().groups().size());
    long heapWithGroups = usedHeapAfterGc();
    passing.forEach(AdsClient::close);

    Await.until(
        WAIT,
        () -> server.published().groups().size() == 1 && server.streams().nodes().size() == 1,
        () ->
            "groups back to the live one: "
                + server.published().groups().size()
                + " groups, "
                + server.streams().nodes().size()
                + " streams");
    long heapAfter = usedHeapAfterGc();
    System.out.printf(
        "heap after GC: %d KiB with 1 group, %d KiB with 301, %d KiB after the 300 left%n",
        heapBefore / 1024, heapWithGroups / 1024, heapAfter / 1024);

    FleetFiles.write(
        fleet,
        FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"))).replace("llama", "qwen"));
    assertEquals("qwen", clusterName(live.next(WAIT)), "the live client still gets publications");
  }

  @Test
  void aNewZoneBeyondTheCapIsRefusedWhileExistingZonesKeepWorking() throws Exception {
    Path fleet = start("{host: 127.0.0.1, port: 0, maxNodeGroups: 3}");
    var a = connect("a");
    var b = connect("b");
    connect("c");

    var d = AdsClient.sotw(channel);
    clients.add(d);
    d.send(cds(AdsClient.node("envoy-d", "r1", "d")));
    Status refused = Status.fromThrowable(d.awaitError(WAIT));
    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getCode());
    assertTrue(refused.getDescription().contains("xds.maxNodeGroups"), refused.getDescription());
    assertTrue(refused.getDescription().contains("3"), refused.getDescription());
    assertEquals(3, server.published().groups().size());

    connect("a"); // a second stream of an existing zone is fine
    FleetFiles.write(
        fleet,
        FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"))).replace("llama", "qwen"));
    assertEquals("qwen", clusterName(a.next(WAIT)), "existing zones keep getting publications");

    b.close(); // zone b empties: a new zone may take its place
    Await.until(WAIT, () -> server.streams().nodes().size() == 3, "b's stream closed");
    connect("e");
    assertTrue(
        server.published().groups().containsKey(NodeGroupKey.of(AdsClient.node("x", "r1", "e"))));
  }
}
