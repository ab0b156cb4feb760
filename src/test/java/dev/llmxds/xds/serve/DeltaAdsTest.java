package dev.llmxds.xds.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.AdsClient;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.XdsServerExtension;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Incremental (delta) ADS: clusters and endpoints arrive, changes and removals follow. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class DeltaAdsTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  @RegisterExtension final XdsServerExtension xds = new XdsServerExtension();

  private static DeltaDiscoveryRequest ack(DeltaDiscoveryResponse r) {
    return DeltaDiscoveryRequest.newBuilder()
        .setTypeUrl(r.getTypeUrl())
        .setResponseNonce(r.getNonce())
        .build();
  }

  @Test
  void deltaStreamGetsResourcesChangesAndRemovals() throws Exception {
    Path fleet = xds.fleet();
    FleetFiles.write(
        fleet,
        FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"), Entry.of(9002, "r1", "b"))));
    LlmXds server = xds.start("");
    ManagedChannel channel = xds.channel();

    try (var ads = AdsClient.delta(channel)) {
      ads.send(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(AdsClient.node("delta-envoy", "r1", "a"))
              .setTypeUrl(Resources.V3.ENDPOINT_TYPE_URL)
              .addResourceNamesSubscribe("llama")
              .build());
      DeltaDiscoveryResponse first = ads.next(WAIT);
      assertEquals(
          List.of("llama"), first.getResourcesList().stream().map(Resource::getName).toList());
      ClusterLoadAssignment cla =
          first.getResources(0).getResource().unpack(ClusterLoadAssignment.class);
      assertEquals(
          9001,
          cla.getEndpoints(0)
              .getLbEndpoints(0)
              .getEndpoint()
              .getAddress()
              .getSocketAddress()
              .getPortValue());
      ads.send(ack(first)); // later requests carry no node: the server remembers the stream's

      FleetFiles.write(
          fleet,
          FleetFiles.yaml(
              "llama",
              List.of(Entry.of(9001, "r1", "a").health("draining"), Entry.of(9002, "r1", "b"))));
      DeltaDiscoveryResponse second = ads.next(WAIT);
      ClusterLoadAssignment drained =
          second.getResources(0).getResource().unpack(ClusterLoadAssignment.class);
      assertEquals(
          io.envoyproxy.envoy.config.core.v3.HealthStatus.DRAINING,
          drained.getEndpoints(0).getLbEndpoints(0).getHealthStatus());
      assertEquals(
          1, drained.getEndpoints(1).getPriority(), "still the zone-a node's view: b is P1");
      ads.send(ack(second));

      FleetFiles.write(fleet, "services: []\n");
      DeltaDiscoveryResponse third = ads.next(WAIT);
      assertEquals(List.of("llama"), third.getRemovedResourcesList());
    }
  }

  @Test
  void aDeltaStreamGetsOnlyTheAssignmentThatChanged() throws Exception {
    Path fleet = xds.fleet();
    String two =
        """
        services:
          - name: llama
            endpoints: [{address: 127.0.0.1, port: 9001, region: r1, zone: a}]
          - name: qwen
            endpoints: [{address: 127.0.0.1, port: 9101, region: r1, zone: a, health: %s}]
        """;
    FleetFiles.write(fleet, two.formatted("healthy"));
    LlmXds server = xds.start("");
    ManagedChannel channel = xds.channel();
    try (var ads = AdsClient.delta(channel)) {
      ads.send(
          DeltaDiscoveryRequest.newBuilder()
              .setNode(AdsClient.node("delta-envoy", "r1", "a"))
              .setTypeUrl(Resources.V3.ENDPOINT_TYPE_URL)
              .addResourceNamesSubscribe("llama")
              .addResourceNamesSubscribe("qwen")
              .build());
      DeltaDiscoveryResponse first = ads.next(WAIT);
      assertEquals(
          List.of("llama", "qwen"),
          first.getResourcesList().stream().map(Resource::getName).sorted().toList());
      ads.send(ack(first));

      FleetFiles.write(fleet, two.formatted("draining"));
      DeltaDiscoveryResponse second = ads.next(WAIT);
      assertEquals(
          List.of("qwen"),
          second.getResourcesList().stream().map(Resource::getName).toList(),
          "only the changed assignment");
      assertEquals(List.of(), second.getRemovedResourcesList());
    }
  }
}
