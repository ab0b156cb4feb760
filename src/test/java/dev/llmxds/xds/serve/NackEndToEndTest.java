package dev.llmxds.xds.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.rpc.Status;
import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.AdsClient;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.XdsServerExtension;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A client that rejects a version gets it once, not in a loop; the next good version reaches it and
 * is accepted, and the server records both.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NackEndToEndTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @RegisterExtension final XdsServerExtension xds = new XdsServerExtension();

  @Test
  void rejectedVersionIsSentOnceAndTheNextVersionIsAccepted() throws Exception {
    Path fleet = xds.fleet();
    FleetFiles.write(fleet, FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"))));
    LlmXds server = xds.start("");
    ManagedChannel channel = xds.channel();
    Node node = AdsClient.node("envoy-1", "r1", "a");

    try (var ads = AdsClient.sotw(channel)) {
      ads.send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
              .build());
      DiscoveryResponse first = ads.next(WAIT);

      ads.send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
              .setResponseNonce(first.getNonce())
              .setErrorDetail(Status.newBuilder().setCode(3).setMessage("test rejects it"))
              .build());
      Await.until(WAIT, () -> server.streams().totalNacks() == 1, "the server records the NACK");
      NodeStatus.TypeStatus cds = server.streams().nodes().get(0).types().get("cds");
      assertEquals(first.getVersionInfo(), cds.lastNack().version());
      assertEquals("test rejects it", cds.lastNack().error());

      FleetFiles.write(
          fleet,
          FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"), Entry.of(9002, "r1", "b")))
              .replace("llama", "llama-2"));
      DiscoveryResponse second = ads.next(WAIT);
      assertNotEquals(
          first.getVersionInfo(), second.getVersionInfo(), "no re-send of the NACKed version");
      assertEquals(
          "llama-2",
          second
              .getResources(0)
              .unpack(io.envoyproxy.envoy.config.cluster.v3.Cluster.class)
              .getName());

      ads.send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
              .setVersionInfo(second.getVersionInfo())
              .setResponseNonce(second.getNonce())
              .build());
      Await.until(
          WAIT,
          () ->
              second
                  .getVersionInfo()
                  .equals(server.streams().nodes().get(0).types().get("cds").ackedVersion()),
          "the next version is ACKed");
      assertNull(ads.poll(), "nothing else was sent");
      assertEquals(2, server.streams().nodes().get(0).types().get("cds").responses());
    }
  }
}
