package dev.llmxds.xds;

import static dev.llmxds.xds.ProjectionFixtures.ep;
import static dev.llmxds.xds.ProjectionFixtures.fleet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.LoadFactors;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * Node groups are client input: idle ones are dropped after the idle timeout with all their state,
 * held ones never, and at most {@code xds.maxNodeGroups} exist. No waiting: a fake ticker.
 */
class NodeGroupLifecycleTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final Fleet fleet = fleet(ep(1, "r1", "a"), ep(2, "r1", "b"), ep(3, "r2", "c"));

  private XdsPublisher publisher(String xdsYaml) {
    LlmXdsConfig config = ConfigLoader.parse("xds: " + xdsYaml, null);
    XdsPublisher p = new XdsPublisher(config, new Versions(Instant.ofEpochMilli(1)), now::get);
    p.publish(fleet, LoadFactors.NEUTRAL);
    return p;
  }

  private static NodeGroupKey zone(String zone) {
    return new NodeGroupKey(ClientKind.SIDECAR, Locality.of("r1", zone));
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  @Test
  void idleGroupsAreDroppedAfterTheTimeoutWithTheirCacheAndMemoState() {
    XdsPublisher p = publisher("{groupIdleTimeout: 60s}");
    XdsPublisher.Lease held = p.acquire(zone("a"));
    for (int i = 0; i < 50; i++) {
      p.acquire(zone("z" + i)).close(); // a stream came and went
    }
    assertEquals(51, p.groupCount());
    assertEquals(51, p.publishedGroups().size());
    assertEquals(51, p.cacheGroupCount());
    assertEquals(51, p.memoGroupCount());

    advance(Duration.ofSeconds(59));
    assertEquals(0, p.dropIdleGroups(), "still within the idle timeout");
    assertEquals(51, p.groupCount());

    advance(Duration.ofSeconds(2));
    p.publish(fleet(ep(1, "r1", "a")), LoadFactors.NEUTRAL); // a publication drops them too
    assertEquals(1, p.groupCount(), "only the held group is left");
    assertEquals(1, p.publishedGroups().size());
    assertEquals(1, p.cacheGroupCount(), "cache entries freed");
    assertEquals(1, p.memoGroupCount(), "memo entries freed");
    assertTrue(p.published(zone("a")).isPresent());
    held.close();
  }

  @Test
  void aGroupWithAnOpenStreamIsNeverDropped() {
    XdsPublisher p = publisher("{groupIdleTimeout: 1s}");
    XdsPublisher.Lease first = p.acquire(zone("a"));
    XdsPublisher.Lease second = p.acquire(zone("a")); // two streams of one zone
    first.close();
    advance(Duration.ofHours(5));
    assertEquals(0, p.dropIdleGroups());
    p.publish(fleet, LoadFactors.NEUTRAL);
    assertTrue(p.published(zone("a")).isPresent());

    second.close();
    advance(Duration.ofMillis(999));
    assertEquals(0, p.dropIdleGroups(), "the timeout counts from the last stream's close");
    advance(Duration.ofMillis(1));
    assertEquals(1, p.dropIdleGroups());
    assertTrue(p.published(zone("a")).isEmpty());
  }

  @Test
  void aDroppedGroupThatComesBackGetsItsConfigWithNewerVersions() {
    XdsPublisher p = publisher("{groupIdleTimeout: 1s}");
    p.acquire(zone("a")).close();
    VersionedResources before = p.published(zone("a")).orElseThrow();
    advance(Duration.ofSeconds(2));
    assertEquals(1, p.dropIdleGroups());

    XdsPublisher.Lease back = p.acquire(zone("a"));
    VersionedResources after = p.published(zone("a")).orElseThrow();
    assertEquals(before.resources(), after.resources(), "the same configuration again");
    // a client that still has the old versions must not take the new snapshot for "unchanged"
    for (String[] v :
        new String[][] {
          {before.clustersVersion(), after.clustersVersion()},
          {before.endpointsVersion(), after.endpointsVersion()},
          {before.listenersVersion(), after.listenersVersion()},
          {before.routesVersion(), after.routesVersion()}
        }) {
      assertNotEquals(v[0], v[1]);
      assertTrue(counter(v[1]) > counter(v[0]), v[1] + " after " + v[0]);
    }
    back.close();
  }

  private static long counter(String version) {
    return Long.parseLong(version.substring(version.indexOf('-') + 1));
  }

  @Test
  void atTheCapTheLongestIdleGroupMakesRoomAndHeldGroupsRefuseANewOne() {
    XdsPublisher p = publisher("{maxNodeGroups: 3}");
    XdsPublisher.Lease a = p.acquire(zone("a"));
    XdsPublisher.Lease b = p.acquire(zone("b"));
    XdsPublisher.Lease c = p.acquire(zone("c"));

    GroupLimitException refused =
        assertThrows(GroupLimitException.class, () -> p.acquire(zone("d")));
    assertTrue(refused.getMessage().contains("3 (xds.maxNodeGroups)"), refused.getMessage());
    assertEquals(3, p.groupCount());
    assertEquals(1, p.refusedGroups());
    p.acquire(zone("a")).close(); // existing groups still take streams

    b.close();
    advance(Duration.ofSeconds(1));
    a.close();
    XdsPublisher.Lease d = p.acquire(zone("d")); // b has been idle longest: it makes room
    assertEquals(3, p.groupCount());
    assertTrue(p.published(zone("b")).isEmpty());
    assertTrue(p.published(zone("a")).isPresent());
    assertTrue(p.published(zone("d")).isPresent());
    c.close();
    d.close();
  }

  @Test
  void theSimpleCacheAlsoForgetsDroppedGroups() {
    XdsPublisher p = publisher("{cache: simple, groupIdleTimeout: 1s}");
    p.acquire(zone("a")).close();
    assertEquals(1, p.cacheGroupCount());
    advance(Duration.ofSeconds(1));
    assertEquals(1, p.dropIdleGroups());
    assertEquals(0, p.cacheGroupCount());
    assertEquals(0, p.memoGroupCount());
  }
}
