package dev.llmxds.xds.serve;

import static dev.llmxds.testing.ProjectionFixtures.ep;
import static dev.llmxds.testing.ProjectionFixtures.fleet;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.config.ReconcilerConfig;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.reconcile.Reconciler;
import dev.llmxds.testing.Await;
import dev.llmxds.xds.projection.XdsProjection;
import dev.llmxds.xds.resource.NodeGroupKey;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A stream that attaches to a group between the group's drop and the reconciler forgetting it keeps
 * hearing changes: the late forget skips a group a stream holds again. (Found by review: before the
 * fix the watch was dropped with the old cache group and never answered.)
 */
@Timeout(30)
class NodeGroupDropRaceTest {
  private static final Node NODE =
      Node.newBuilder()
          .setId("envoy-1")
          .setUserAgentName("envoy")
          .setLocality(
              io.envoyproxy.envoy.config.core.v3.Locality.newBuilder().setRegion("r1").setZone("a"))
          .build();
  private static final NodeGroupKey G = NodeGroupKey.of(NODE);

  private final AtomicLong now = new AtomicLong(1_000);
  private final XdsCache cache = new XdsCache();

  private List<Response> watch(long stream, String version) {
    List<Response> got = new CopyOnWriteArrayList<>();
    RequestContext.set(new RequestContext(NODE, null, stream));
    RequestContext.take();
    cache.createWatch(
        true,
        XdsRequest.create(
            DiscoveryRequest.newBuilder()
                .setNode(NODE)
                .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
                .setVersionInfo(version)
                .build()),
        Set.of(),
        got::add,
        false,
        false);
    RequestContext.clear();
    return got;
  }

  private Reconciler reconciler() {
    return new Reconciler(
        new ReconcilerConfig(Duration.ofMillis(10), Duration.ofMillis(100)),
        new XdsProjection(LlmXdsConfig.DEFAULT),
        cache,
        System::nanoTime,
        null,
        Duration.ofSeconds(1));
  }

  private static Fleet two() {
    return Fleet.of(
        List.of(
            new InferenceService("llama", List.of("llama-3-8b"), List.of(ep(1, "r1", "a"))),
            new InferenceService("mistral", List.of("mistral-7b"), List.of(ep(2, "r1", "a")))));
  }

  @Test
  void aStreamAttachingWhileItsGroupIsDroppedStillHearsLaterChanges() {
    try (Reconciler reconciler = reconciler()) {
      NodeGroups groups = new NodeGroups(Duration.ofSeconds(1), 512, now::get);
      groups.listen(reconciler);
      reconciler.publishNow(fleet(ep(1, "r1", "a")));
      groups.acquire(G).close(); // an earlier stream of the zone came and went
      Await.until(
          Duration.ofSeconds(10), () -> reconciler.published().groups().containsKey(G), "G");
      now.addAndGet(Duration.ofSeconds(2).toNanos());

      List<Response> ack;
      synchronized (reconciler) { // the reconciler's thread is busy (a publication, say)
        assertEquals(1, groups.dropIdle()); // the forget is queued
        groups.acquire(G); // a new stream of G, held for the test
        List<Response> first = watch(7, ""); // answered from the cache's group
        assertEquals(1, first.size());
        ack = watch(7, first.get(0).version()); // the ACK's watch waits in that group
        assertEquals(0, ack.size());
      }
      reconciler.publishNow(two()); // a new service: a new CDS version for G
      Await.until(
          Duration.ofSeconds(5),
          () -> !ack.isEmpty(),
          "the open CDS watch of the attached stream hears of the new cluster");
      assertEquals(1, cache.groupCount());
    }
  }
}
