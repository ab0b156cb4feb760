package dev.llmxds.xds.resource;

import static dev.llmxds.testing.ProjectionFixtures.backup;
import static dev.llmxds.testing.ProjectionFixtures.ep;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.config.LocalityConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.Locality;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PriorityPlannerTest {
  private final PriorityPlanner planner = new PriorityPlanner(LocalityConfig.DEFAULT);
  private final List<Endpoint> all =
      List.of(ep(1, "r1", "a"), ep(2, "r1", "b"), ep(3, "r2", "c"), backup(4, "r1", "a"));

  @Test
  void ownZoneThenRegionThenOtherRegionsThenBackups() {
    assertEquals(
        Map.of("10.0.0.1:1", 0, "10.0.0.1:2", 1, "10.0.0.1:3", 2, "10.0.0.1:4", 3),
        planner.priorities(Locality.of("r1", "a"), all));
    assertEquals(
        Map.of("10.0.0.1:1", 1, "10.0.0.1:2", 0, "10.0.0.1:3", 2, "10.0.0.1:4", 3),
        planner.priorities(Locality.of("r1", "b"), all));
    assertEquals(
        Map.of("10.0.0.1:1", 1, "10.0.0.1:2", 1, "10.0.0.1:3", 0, "10.0.0.1:4", 2),
        planner.priorities(Locality.of("r2", "c"), all),
        "the rest of r2 is empty: compacted away");
  }

  @Test
  void nodeWithoutLocalityGetsOneFlatPriorityPlusBackups() {
    assertEquals(
        Map.of("10.0.0.1:1", 0, "10.0.0.1:2", 0, "10.0.0.1:3", 0, "10.0.0.1:4", 1),
        planner.priorities(Locality.NONE, all));
    assertEquals(
        Map.of("10.0.0.1:1", 0, "10.0.0.1:2", 0),
        planner.priorities(Locality.NONE, List.of(ep(1, "r1", "a"), ep(2, "r2", "c"))));
  }

  @Test
  void emptyLevelsAreCompacted() {
    List<Endpoint> remoteOnly = List.of(ep(3, "r2", "c"), backup(4, "r2", "c"));
    assertEquals(
        Map.of("10.0.0.1:3", 0, "10.0.0.1:4", 1),
        planner.priorities(Locality.of("r1", "a"), remoteOnly));
  }

  @Test
  void nodeInUnknownZoneOfAKnownRegionPrefersItsRegion() {
    assertEquals(
        Map.of("10.0.0.1:1", 0, "10.0.0.1:2", 0, "10.0.0.1:3", 1, "10.0.0.1:4", 2),
        planner.priorities(Locality.of("r1", "x"), all));
  }

  @Test
  void configuredRegionFailoverOrderGivesEachListedRegionItsOwnPriority() {
    PriorityPlanner ordered =
        new PriorityPlanner(new LocalityConfig(Map.of("r1", List.of("r3", "r2"))));
    List<Endpoint> endpoints =
        List.of(ep(1, "r1", "a"), ep(2, "r2", "c"), ep(3, "r3", "d"), ep(4, "r4", "e"));
    assertEquals(
        Map.of("10.0.0.1:1", 0, "10.0.0.1:2", 2, "10.0.0.1:3", 1, "10.0.0.1:4", 3),
        ordered.priorities(Locality.of("r1", "a"), endpoints));
  }
}
