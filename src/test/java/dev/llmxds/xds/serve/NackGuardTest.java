package dev.llmxds.xds.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.Status;
import dev.llmxds.xds.resource.NodeGroupKey;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The NACK loop of java-control-plane's SimpleCache, and the guard that stops it. No sockets. */
class NackGuardTest {
  private static final Node NODE = Node.newBuilder().setId("n").setUserAgentName("envoy").build();

  private static Snapshot snapshot(String clusterName, String version) {
    return Snapshot.create(
        List.of(Cluster.newBuilder().setName(clusterName).build()),
        List.of(),
        List.of(),
        List.of(),
        List.of(),
        version);
  }

  /** A NACK of v1: the client still runs the last version it accepted (none). */
  private static XdsRequest nackOfV1() {
    return XdsRequest.create(
        DiscoveryRequest.newBuilder()
            .setNode(NODE)
            .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
            .setVersionInfo("")
            .setResponseNonce("0")
            .setErrorDetail(Status.newBuilder().setCode(3).setMessage("rejected"))
            .build());
  }

  @Test
  void simpleCacheAloneResendsTheRejectedSnapshotAtOnce() {
    SimpleCache<NodeGroupKey> cache = new SimpleCache<>(NodeGroupKey::of);
    cache.setSnapshot(NodeGroupKey.of(NODE), snapshot("c", "v1"));
    List<Response> sent = new ArrayList<>();

    cache.createWatch(true, nackOfV1(), Set.of(), sent::add, false, false);

    assertEquals(1, sent.size(), "upstream behaviour this guard exists for");
    assertEquals("v1", sent.get(0).version());
  }

  @Test
  void guardHoldsTheNackUntilTheSnapshotChanges() {
    SimpleCache<NodeGroupKey> cache = new SimpleCache<>(NodeGroupKey::of);
    cache.setSnapshot(NodeGroupKey.of(NODE), snapshot("c", "v1"));
    NackGuard guard = new NackGuard(cache);
    List<Response> sent = new ArrayList<>();

    RequestContext.set(new RequestContext(NODE, "v1"));
    guard.createWatch(true, nackOfV1(), Set.of(), sent::add, false, false);
    assertTrue(sent.isEmpty(), "the rejected version is not sent again");

    cache.setSnapshot(NodeGroupKey.of(NODE), snapshot("c2", "v2"));
    assertEquals(1, sent.size());
    assertEquals("v2", sent.get(0).version());
  }

  @Test
  void guardAnswersAtOnceWhenTheSnapshotMovedOnSinceTheRejectedResponse() {
    SimpleCache<NodeGroupKey> cache = new SimpleCache<>(NodeGroupKey::of);
    cache.setSnapshot(NodeGroupKey.of(NODE), snapshot("c2", "v2"));
    List<Response> sent = new ArrayList<>();

    RequestContext.set(new RequestContext(NODE, "v1"));
    new NackGuard(cache).createWatch(true, nackOfV1(), Set.of(), sent::add, false, false);

    assertEquals(1, sent.size());
    assertEquals("v2", sent.get(0).version());
  }

  @Test
  void guardFillsInTheStreamsNodeWhenARequestOmitsIt() {
    Node zoned =
        NODE.toBuilder()
            .setLocality(
                io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                    .setRegion("r")
                    .setZone("z"))
            .build();
    SimpleCache<NodeGroupKey> cache = new SimpleCache<>(NodeGroupKey::of);
    cache.setSnapshot(NodeGroupKey.of(zoned), snapshot("zoned", "v1"));
    List<Response> sent = new ArrayList<>();

    RequestContext.set(new RequestContext(zoned, null));
    new NackGuard(cache)
        .createWatch(
            true,
            XdsRequest.create(
                DiscoveryRequest.newBuilder().setTypeUrl(Resources.V3.CLUSTER_TYPE_URL).build()),
            Set.of(),
            sent::add,
            false,
            false);

    assertEquals(1, sent.size(), "answered from the zoned group's snapshot");
  }
}
