package dev.llmxds.reconcile;

import static dev.llmxds.testing.ProjectionFixtures.ep;
import static dev.llmxds.testing.ProjectionFixtures.fleet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.Locality;
import dev.llmxds.testing.Await;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.serve.GroupLimitException;
import dev.llmxds.xds.serve.NodeGroups;
import dev.llmxds.xds.serve.XdsCache;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Node groups are client input: idle ones are dropped after the idle timeout with all their state
 * (published resources, cache entries, memo entries), held ones never, and at most {@code
 * xds.maxNodeGroups} exist. The idle clock is a fake ticker; publication is awaited.
 */
@Timeout(30)
class NodeGroupLifecycleTest {
  private final AtomicLong now = new AtomicLong(1_000);
  private final Fleet fleet = fleet(ep(1, "r1", "a"), ep(2, "r1", "b"), ep(3, "r2", "c"));
  private final XdsCache cache = new XdsCache();
  private final Reconciler reconciler = PublicationTest.reconciler(cache);
  private NodeGroups groups;

  private NodeGroups groups(Duration idle, int max) {
    groups = new NodeGroups(idle, max, now::get);
    groups.listen(reconciler);
    reconciler.publishNow(fleet);
    return groups;
  }

  @AfterEach
  void close() {
    reconciler.close();
  }

  private static NodeGroupKey zone(String zone) {
    return new NodeGroupKey(ClientKind.SIDECAR, Locality.of("r1", zone));
  }

  private void advance(Duration d) {
    now.addAndGet(d.toNanos());
  }

  /** Waits until exactly {@code count} groups are published and cached. */
  private void settle(int count) {
    Await.until(
        Duration.ofSeconds(10),
        () -> reconciler.published().groups().size() == count && cache.groupCount() == count,
        () ->
            count
                + " groups published and cached; have "
                + reconciler.published().groups().size()
                + " and "
                + cache.groupCount());
  }

  private boolean published(NodeGroupKey g) {
    return reconciler.published().groups().containsKey(g);
  }

  @Test
  void idleGroupsAreDroppedAfterTheTimeoutWithTheirCacheAndMemoState() {
    NodeGroups g = groups(Duration.ofSeconds(60), 512);
    NodeGroups.Lease held = g.acquire(zone("a"));
    for (int i = 0; i < 50; i++) {
      g.acquire(zone("z" + i)).close(); // a stream came and went
    }
    assertEquals(51, g.count());
    settle(51);
    assertEquals(51, reconciler.memoGroupCount());

    advance(Duration.ofSeconds(59));
    assertEquals(0, g.dropIdle(), "still within the idle timeout");
    assertEquals(51, g.count());

    advance(Duration.ofSeconds(2));
    assertEquals(50, g.dropIdle());
    assertEquals(1, g.count(), "only the held group is left");
    settle(1);
    assertEquals(1, reconciler.memoGroupCount(), "memo entries freed");
    assertTrue(published(zone("a")));
    held.close();
  }

  @Test
  void aGroupWithAnOpenStreamIsNeverDropped() {
    NodeGroups g = groups(Duration.ofSeconds(1), 512);
    NodeGroups.Lease first = g.acquire(zone("a"));
    NodeGroups.Lease second = g.acquire(zone("a")); // two streams of one zone
    first.close();
    advance(Duration.ofHours(5));
    assertEquals(0, g.dropIdle());
    settle(1);

    second.close();
    advance(Duration.ofMillis(999));
    assertEquals(0, g.dropIdle(), "the timeout counts from the last stream's close");
    advance(Duration.ofMillis(1));
    assertEquals(1, g.dropIdle());
    settle(0);
  }

  @Test
  void aDroppedGroupThatComesBackGetsItsConfigUnderTheSameContentVersions() {
    NodeGroups g = groups(Duration.ofSeconds(1), 512);
    g.acquire(zone("a")).close();
    settle(1);
    VersionedResources before = reconciler.published().groups().get(zone("a"));
    advance(Duration.ofSeconds(2));
    assertEquals(1, g.dropIdle());
    settle(0);

    NodeGroups.Lease back = g.acquire(zone("a"));
    settle(1);
    VersionedResources after = reconciler.published().groups().get(zone("a"));
    assertEquals(before.resources(), after.resources(), "the same configuration again");
    // versions name content: a client that kept the old ones has exactly this (and a new stream
    // is sent everything anyway)
    assertEquals(before.versions(), after.versions());
    back.close();
  }

  @Test
  void atTheCapTheLongestIdleGroupMakesRoomAndHeldGroupsRefuseANewOne() {
    NodeGroups g = groups(Duration.ofSeconds(60), 3);
    NodeGroups.Lease a = g.acquire(zone("a"));
    NodeGroups.Lease b = g.acquire(zone("b"));
    NodeGroups.Lease c = g.acquire(zone("c"));

    GroupLimitException refused =
        assertThrows(GroupLimitException.class, () -> g.acquire(zone("d")));
    assertTrue(refused.getMessage().contains("3 (xds.maxNodeGroups)"), refused.getMessage());
    assertEquals(3, g.count());
    assertEquals(1, g.refused());
    g.acquire(zone("a")).close(); // existing groups still take streams

    b.close();
    advance(Duration.ofSeconds(1));
    a.close();
    NodeGroups.Lease d = g.acquire(zone("d")); // b has been idle longest: it makes room
    assertEquals(3, g.count());
    settle(3);
    assertTrue(!published(zone("b")) && published(zone("a")) && published(zone("d")));
    c.close();
    d.close();
  }
}
