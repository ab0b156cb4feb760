package dev.llmxds.xds.projection;

import static dev.llmxds.testing.ProjectionFixtures.ep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.LoadFactors;
import dev.llmxds.weighting.WeightTable;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.XdsResources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The memo keeps unchanged resources' instances and never serves a stale one. */
class ProjectionMemoTest {
  private static final NodeGroupKey ZONE_A =
      new NodeGroupKey(ClientKind.SIDECAR, Locality.of("r1", "a"));
  private final XdsProjection projection = new XdsProjection(LlmXdsConfig.DEFAULT);
  private final ProjectionMemo memo = new ProjectionMemo();

  private XdsResources publish(Fleet fleet, LoadFactors factors) {
    memo.startPublication(fleet);
    return projection.project(fleet, factors, ZONE_A, memo);
  }

  private static Fleet two() {
    return Fleet.of(
        List.of(
            new InferenceService("llama", List.of("llama-3-8b"), List.of(ep(1, "r1", "a"))),
            new InferenceService("qwen", List.of("qwen-7b"), List.of(ep(2, "r1", "a")))));
  }

  @Test
  void aRebuiltEqualFleetKeepsEveryResourceInstanceButTheChangedAssignment() {
    XdsResources first = publish(two(), LoadFactors.NEUTRAL);
    // what the reconciler sees: a new fleet from the source, equal, and one endpoint's weight moved
    XdsResources second =
        publish(two(), new WeightTable(Map.of("qwen", Map.of(ep(2, "r1", "a").id(), 1.5))));

    for (int i = 0; i < 2; i++) {
      assertSame(first.clusters().get(i), second.clusters().get(i));
    }
    assertSame(first.listeners().get(0), second.listeners().get(0));
    assertSame(first.routes().get(0), second.routes().get(0));
    assertSame(first.loadAssignments().get(0), second.loadAssignments().get(0), "llama unchanged");
    assertNotEquals(first.loadAssignments().get(1), second.loadAssignments().get(1));

    XdsResources third =
        publish(
            Fleet.of(
                List.of(
                    new InferenceService(
                        "llama", List.of("llama-3-8b", "llama-3-70b"), List.of(ep(1, "r1", "a"))))),
            LoadFactors.NEUTRAL);
    assertSame(first.clusters().get(0), third.clusters().get(0), "llama's cluster is kept");
    assertEquals(1, third.clusters().size(), "qwen left");
    assertNotEquals(first.routes().get(0), third.routes().get(0), "a new model gets a route");
  }

  @Test
  void aClusterIsProjectedAgainWheneverItsServiceChanged() {
    InferenceService v1 = new InferenceService("llama", List.of("m"), List.of(ep(1, "r1", "a")));
    InferenceService v2 = new InferenceService("llama", List.of("m"), List.of(ep(2, "r1", "a")));
    AtomicInteger projections = new AtomicInteger();
    Cluster plain = Cluster.newBuilder().setName("llama").build();
    Cluster changed = plain.toBuilder().setAltStatName("per-service field").build();

    memo.startPublication(Fleet.of(List.of(v1)));
    Cluster a = memo.cluster(ClientKind.SIDECAR, v1, () -> count(projections, plain));
    memo.startPublication(Fleet.of(List.of(v1)));
    assertSame(a, memo.cluster(ClientKind.SIDECAR, v1, () -> count(projections, plain)));
    assertEquals(1, projections.get(), "same service: not projected again");

    memo.startPublication(Fleet.of(List.of(v2)));
    assertSame(
        a,
        memo.cluster(
            ClientKind.SIDECAR, v2, () -> count(projections, Cluster.newBuilder(plain).build())),
        "projected again; an equal result keeps the old instance");
    assertEquals(2, projections.get());

    // a Cluster field that depends on the service (none does today): served fresh, never stale
    InferenceService v3 = new InferenceService("llama", List.of("m2"), List.of(ep(2, "r1", "a")));
    memo.startPublication(Fleet.of(List.of(v3)));
    assertSame(changed, memo.cluster(ClientKind.SIDECAR, v3, () -> count(projections, changed)));
  }

  private static Cluster count(AtomicInteger n, Cluster c) {
    n.incrementAndGet();
    return c;
  }
}
