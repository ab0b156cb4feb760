package dev.llmxds.xds.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.AdsClient;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestServers;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
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

/** Only Listener and Cluster are wildcard types: an EDS request naming nothing gets nothing. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ResourceNamesTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  @TempDir Path dir;
  private LlmXds server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void anEdsRequestWithNoNamesGetsNoResponse() throws Exception {
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(
        fleet,
        FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"), Entry.of(9002, "r1", "b"))));
    server = TestServers.start(TestServers.config(fleet, ""));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    Node node = AdsClient.node("envoy-names", "r1", "a");
    try (var ads = AdsClient.sotw(channel)) {
      ads.send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.ENDPOINT_TYPE_URL)
              .build()); // no names
      ads.send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
              .build()); // wildcard
      List<String> got = new ArrayList<>();
      DiscoveryResponse first = ads.next(WAIT);
      got.add(first.getTypeUrl() + " " + first.getResourcesCount());
      ads.send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.ENDPOINT_TYPE_URL)
              .addResourceNames("llama")
              .build());
      DiscoveryResponse named = ads.next(WAIT);
      got.add(named.getTypeUrl() + " " + named.getResourcesCount());
      for (DiscoveryResponse more = ads.poll(); more != null; more = ads.poll()) {
        got.add(more.getTypeUrl() + " " + more.getResourcesCount());
      }
      assertEquals(
          List.of(Resources.V3.CLUSTER_TYPE_URL + " 1", Resources.V3.ENDPOINT_TYPE_URL + " 1"),
          got,
          "the nameless EDS request was answered with nothing; the named one with its assignment");
    }
  }

  private void startTwoServices() {
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(
        fleet,
        FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a")))
            + FleetFiles.yaml("mistral", List.of(Entry.of(9002, "r1", "a")))
                .replace("services:\n", ""));
    server = TestServers.start(TestServers.config(fleet, ""));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
  }

  private static DiscoveryRequest request(
      Node node, String type, DiscoveryResponse ackOf, String... names) {
    DiscoveryRequest.Builder b =
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(type)
            .addAllResourceNames(List.of(names));
    if (ackOf != null) {
      b.setVersionInfo(ackOf.getVersionInfo()).setResponseNonce(ackOf.getNonce());
    }
    return b.build();
  }

  @Test
  void aListenerNameAddedAtTheSameVersionIsAnswered() throws Exception {
    startTwoServices();
    // grpc-js shares one stream for every xds:/// target of a process
    Node node =
        AdsClient.node("js-two-targets", "r1", "a").toBuilder()
            .setUserAgentName("gRPC Node Pure JS")
            .build();
    try (var ads = AdsClient.sotw(channel)) {
      ads.send(request(node, Resources.V3.LISTENER_TYPE_URL, null, "llama"));
      DiscoveryResponse one = ads.next(WAIT);
      assertEquals(1, one.getResourcesCount());
      ads.send(request(node, Resources.V3.LISTENER_TYPE_URL, one, "llama", "mistral"));
      DiscoveryResponse two = ads.next(WAIT);
      assertEquals(one.getVersionInfo(), two.getVersionInfo(), "nothing was published between");
      assertEquals(2, two.getResourcesCount(), "the second target's listener");
    }
  }

  @Test
  void namingAnAssignmentAgainAfterNamingNoneIsANewSubscription() throws Exception {
    startTwoServices();
    Node node = AdsClient.node("envoy-renames", "r1", "a");
    try (var ads = AdsClient.sotw(channel)) {
      ads.send(request(node, Resources.V3.ENDPOINT_TYPE_URL, null, "llama"));
      DiscoveryResponse first = ads.next(WAIT);
      ads.send(request(node, Resources.V3.ENDPOINT_TYPE_URL, first)); // none
      ads.send(request(node, Resources.V3.ENDPOINT_TYPE_URL, first, "llama"));
      DiscoveryResponse again = ads.next(WAIT);
      assertEquals(1, again.getResourcesCount());
    }
  }
}
