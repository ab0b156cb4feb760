package dev.llmxds.reconcile;

import static dev.llmxds.testing.ProjectionFixtures.ep;
import static dev.llmxds.testing.ProjectionFixtures.fleet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.config.ReconcilerConfig;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.Locality;
import dev.llmxds.testing.Await;
import dev.llmxds.xds.projection.XdsProjection;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.ContentVersion;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.ResourceTypes;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.serve.NodeGroups;
import dev.llmxds.xds.serve.XdsCache;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The reconciler's publication path: node groups published when first seen, versions per type from
 * content (bumped only on a real change, equal across replicas and restarts), dropped groups freed.
 */
@Timeout(30)
class PublicationTest {
  private static final ReconcilerConfig CONFIG =
      new ReconcilerConfig(Duration.ofMillis(10), Duration.ofMillis(100));
  private static final NodeGroupKey ZONE_A =
      new NodeGroupKey(ClientKind.SIDECAR, Locality.of("r1", "a"));
  private final Fleet before = fleet(ep(1, "r1", "a"), ep(2, "r1", "b"));

  static Reconciler reconciler(XdsCache cache) {
    return new Reconciler(
        CONFIG,
        new XdsProjection(LlmXdsConfig.DEFAULT),
        cache,
        System::nanoTime,
        null,
        Duration.ofSeconds(1));
  }

  /** Announces {@code group} as a new stream would and waits for its first publication. */
  static VersionedResources seen(Reconciler r, NodeGroupKey group) {
    r.groupSeen(group);
    Await.until(
        Duration.ofSeconds(10),
        () -> r.published().groups().containsKey(group),
        "group " + group + " published");
    return r.published().groups().get(group);
  }

  @Test
  void republishingTheSameFleetKeepsEveryVersion() {
    try (Reconciler r = reconciler(new XdsCache())) {
      r.publishNow(before);
      VersionedResources first = seen(r, ZONE_A);

      r.publishNow(fleet(ep(1, "r1", "a"), ep(2, "r1", "b")));

      assertTrue(first.sameVersionsAs(r.published().groups().get(ZONE_A)));
      assertEquals(2, r.published().publications());
    }
  }

  @Test
  void aHealthChangeBumpsOnlyTheEndpointsVersion() {
    try (Reconciler r = reconciler(new XdsCache())) {
      r.publishNow(before);
      VersionedResources first = seen(r, ZONE_A);

      r.publishNow(fleet(ep(1, "r1", "a").withHealth(EndpointHealth.DRAINING), ep(2, "r1", "b")));
      VersionedResources second = r.published().groups().get(ZONE_A);

      assertNotEquals(first.endpointsVersion(), second.endpointsVersion());
      assertEquals(first.clustersVersion(), second.clustersVersion());
      assertEquals(first.listenersVersion(), second.listenersVersion());
      assertEquals(first.routesVersion(), second.routesVersion());
    }
  }

  @Test
  void replicasAndRestartsPublishTheSameVersionsForTheSameContent() {
    try (Reconciler one = reconciler(new XdsCache());
        Reconciler two = reconciler(new XdsCache())) {
      one.publishNow(before);
      two.publishNow(fleet(ep(1, "r1", "a"), ep(2, "r1", "b"))); // built apart, equal
      VersionedResources a = seen(one, ZONE_A);
      VersionedResources b = seen(two, ZONE_A);
      assertEquals(a.versions(), b.versions(), "same content, same versions on both replicas");
      for (var type : ResourceTypes.ALL) {
        assertTrue(a.version(type).startsWith(ContentVersion.PREFIX), a.version(type));
      }

      two.publishNow(fleet(ep(1, "r1", "a"), ep(3, "r1", "b")));
      assertNotEquals(
          a.endpointsVersion(),
          two.published().groups().get(ZONE_A).endpointsVersion(),
          "different content, a different version");

      two.publishNow(fleet(ep(1, "r1", "a"), ep(2, "r1", "b")));
      assertEquals(
          a.versions(),
          two.published().groups().get(ZONE_A).versions(),
          "back to the first content: back to its versions");
    }
  }

  @Test
  void groupsArePublishedWhenFirstSeenAndFreedWhenDropped() {
    XdsCache cache = new XdsCache();
    try (Reconciler r = reconciler(cache)) {
      r.publishNow(before);
      assertTrue(r.published().groups().isEmpty(), "no node yet, nothing projected");
      assertEquals(0, cache.groupCount());

      seen(r, ZONE_A);
      assertEquals(Set.of(ZONE_A), r.published().groups().keySet());
      assertEquals(1, cache.groupCount());
      assertEquals(1, r.memoGroupCount());

      r.groupsDropped(new NodeGroups(Duration.ZERO, 1, System::nanoTime), Set.of(ZONE_A));
      Await.until(
          Duration.ofSeconds(10),
          () -> r.published().groups().isEmpty() && cache.groupCount() == 0,
          "dropped group freed");
      assertEquals(0, r.memoGroupCount());
    }
  }
}
