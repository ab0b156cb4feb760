package dev.llmxds.xds;

import static dev.llmxds.xds.ProjectionFixtures.ep;
import static dev.llmxds.xds.ProjectionFixtures.fleet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.LoadFactors;
import dev.llmxds.weighting.WeightTable;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Versions: bumped per type only on a real change, and never reused by a restarted server. */
class XdsPublisherTest {
  private static final NodeGroupKey ZONE_A =
      new NodeGroupKey(ClientKind.SIDECAR, Locality.of("r1", "a"));
  private final Fleet before = fleet(ep(1, "r1", "a"), ep(2, "r1", "b"));

  private static XdsPublisher publisher(Instant start) {
    return new XdsPublisher(LlmXdsConfig.DEFAULT, new Versions(start));
  }

  @Test
  void republishingTheSameFleetKeepsEveryVersion() {
    XdsPublisher p = publisher(Instant.ofEpochMilli(1));
    p.publish(before, LoadFactors.NEUTRAL);
    p.ensureGroup(ZONE_A);
    VersionedResources first = p.published(ZONE_A).orElseThrow();

    p.publish(fleet(ep(1, "r1", "a"), ep(2, "r1", "b")), LoadFactors.NEUTRAL);

    assertTrue(first.sameVersionsAs(p.published(ZONE_A).orElseThrow()));
  }

  @Test
  void aHealthChangeBumpsOnlyTheEndpointsVersion() {
    XdsPublisher p = publisher(Instant.ofEpochMilli(1));
    p.publish(before, LoadFactors.NEUTRAL);
    p.ensureGroup(ZONE_A);
    VersionedResources first = p.published(ZONE_A).orElseThrow();

    p.publish(
        fleet(ep(1, "r1", "a").withHealth(EndpointHealth.DRAINING), ep(2, "r1", "b")),
        LoadFactors.NEUTRAL);
    VersionedResources second = p.published(ZONE_A).orElseThrow();

    assertNotEquals(first.endpointsVersion(), second.endpointsVersion());
    assertEquals(first.clustersVersion(), second.clustersVersion());
    assertEquals(first.listenersVersion(), second.listenersVersion());
    assertEquals(first.routesVersion(), second.routesVersion());
  }

  @Test
  void aRestartedServerNeverReusesAVersion() {
    XdsPublisher old = publisher(Instant.ofEpochMilli(1_000));
    XdsPublisher restarted = publisher(Instant.ofEpochMilli(2_000));
    for (XdsPublisher p : new XdsPublisher[] {old, restarted}) {
      p.publish(before, LoadFactors.NEUTRAL);
      p.ensureGroup(ZONE_A);
    }
    assertNotEquals(
        old.published(ZONE_A).orElseThrow().clustersVersion(),
        restarted.published(ZONE_A).orElseThrow().clustersVersion());
  }

  @Test
  void groupsAreSnapshottedOnFirstSightOnly() {
    XdsPublisher p = publisher(Instant.ofEpochMilli(1));
    p.publish(before, LoadFactors.NEUTRAL);
    assertTrue(p.publishedGroups().isEmpty(), "no node yet, nothing projected");
    p.ensureGroup(ZONE_A);
    assertEquals(1, p.publishedGroups().size());
    assertTrue(p.published(ZONE_A).isPresent());
  }

  @Test
  void aRebuiltEqualFleetKeepsEveryResourceInstanceButTheChangedAssignment() {
    XdsPublisher p = publisher(Instant.ofEpochMilli(1));
    Fleet two =
        Fleet.of(
            List.of(
                new InferenceService("llama", List.of("llama-3-8b"), List.of(ep(1, "r1", "a"))),
                new InferenceService("qwen", List.of("qwen-7b"), List.of(ep(2, "r1", "a")))));
    p.publish(two, LoadFactors.NEUTRAL);
    p.ensureGroup(ZONE_A);
    XdsResources first = p.published(ZONE_A).orElseThrow().resources();

    // what the reconciler does: a new fleet from the source, equal but for one weight
    Fleet rebuilt =
        Fleet.of(
            List.of(
                new InferenceService("llama", List.of("llama-3-8b"), List.of(ep(1, "r1", "a"))),
                new InferenceService("qwen", List.of("qwen-7b"), List.of(ep(2, "r1", "a")))));
    p.publish(rebuilt, new WeightTable(Map.of("qwen", Map.of(ep(2, "r1", "a").id(), 1.5))));
    XdsResources second = p.published(ZONE_A).orElseThrow().resources();

    for (int i = 0; i < 2; i++) {
      assertSame(first.clusters().get(i), second.clusters().get(i));
    }
    assertSame(first.listeners().get(0), second.listeners().get(0));
    assertSame(first.routes().get(0), second.routes().get(0));
    assertSame(first.loadAssignments().get(0), second.loadAssignments().get(0), "llama unchanged");
    assertNotEquals(first.loadAssignments().get(1), second.loadAssignments().get(1));

    p.publish(
        Fleet.of(
            List.of(
                new InferenceService(
                    "llama", List.of("llama-3-8b", "llama-3-70b"), List.of(ep(1, "r1", "a"))))),
        LoadFactors.NEUTRAL);
    XdsResources third = p.published(ZONE_A).orElseThrow().resources();
    assertSame(first.clusters().get(0), third.clusters().get(0), "llama's cluster is kept");
    assertEquals(1, third.clusters().size(), "qwen left");
    assertNotEquals(first.routes().get(0), third.routes().get(0), "a new model gets a route");
  }
}
