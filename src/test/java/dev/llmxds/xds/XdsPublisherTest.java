package dev.llmxds.xds;

import static dev.llmxds.xds.ProjectionFixtures.ep;
import static dev.llmxds.xds.ProjectionFixtures.fleet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.LoadFactors;
import java.time.Instant;
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
}
