package dev.llmxds.xds.resource;

import static dev.llmxds.testing.ProjectionFixtures.ep;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.config.LocalityConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.LoadFactors;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadAssignmentProjectorTest {
  private final LoadAssignmentProjector projector =
      new LoadAssignmentProjector(new PriorityPlanner(LocalityConfig.DEFAULT), 140);

  private static InferenceService service(Endpoint... endpoints) {
    return new InferenceService("llama", List.of(), List.of(endpoints));
  }

  @Test
  void groupsByPriorityAndLocalityWithWeightedLocalities() {
    Endpoint big =
        new Endpoint("10.0.0.2", 8000, Locality.of("r1", "a"), 4, EndpointHealth.HEALTHY, false);
    ClusterLoadAssignment cla =
        projector.project(
            service(ep(1, "r1", "a"), big, ep(2, "r1", "b"), ep(3, "r2", "c")),
            Locality.of("r1", "a"),
            LoadFactors.NEUTRAL);

    assertEquals("llama", cla.getClusterName());
    assertEquals(140, cla.getPolicy().getOverprovisioningFactor().getValue());
    assertEquals(3, cla.getEndpointsCount());
    LocalityLbEndpoints p0 = cla.getEndpoints(0);
    assertEquals(0, p0.getPriority());
    assertEquals("a", p0.getLocality().getZone());
    assertEquals(2, p0.getLbEndpointsCount());
    assertEquals(500, p0.getLoadBalancingWeight().getValue(), "sum of the usable endpoint weights");
    assertEquals(1, cla.getEndpoints(1).getPriority());
    assertEquals("b", cla.getEndpoints(1).getLocality().getZone());
    assertEquals(2, cla.getEndpoints(2).getPriority());
    assertEquals("r2", cla.getEndpoints(2).getLocality().getRegion());
  }

  @Test
  void healthIsMappedAndUnusableLocalitiesStillCarryAWeight() {
    ClusterLoadAssignment cla =
        projector.project(
            service(
                ep(1, "r1", "a").withHealth(EndpointHealth.UNHEALTHY),
                ep(2, "r1", "a").withHealth(EndpointHealth.DRAINING),
                ep(3, "r1", "b").withHealth(EndpointHealth.DEGRADED),
                ep(4, "r1", "b")),
            Locality.of("r1", "a"),
            LoadFactors.NEUTRAL);

    List<HealthStatus> zoneA =
        cla.getEndpoints(0).getLbEndpointsList().stream().map(LbEndpoint::getHealthStatus).toList();
    assertEquals(List.of(HealthStatus.UNHEALTHY, HealthStatus.DRAINING), zoneA);
    assertEquals(1, cla.getEndpoints(0).getLoadBalancingWeight().getValue(), "never 0");
    List<HealthStatus> zoneB =
        cla.getEndpoints(1).getLbEndpointsList().stream().map(LbEndpoint::getHealthStatus).toList();
    assertEquals(List.of(HealthStatus.DEGRADED, HealthStatus.HEALTHY), zoneB);
    assertEquals(200, cla.getEndpoints(1).getLoadBalancingWeight().getValue());
  }

  @Test
  void endpointWeightIsStaticTimesFactorClampedToAtLeastOne() {
    Endpoint heavy =
        new Endpoint("10.0.0.9", 1, Locality.of("r1", "a"), 8, EndpointHealth.HEALTHY, false);
    Endpoint light =
        new Endpoint("10.0.0.9", 2, Locality.of("r1", "a"), 1, EndpointHealth.HEALTHY, false);
    LoadFactors factors = (svc, id) -> id.endsWith(":1") ? 0.5 : 0.0001;

    ClusterLoadAssignment cla =
        projector.project(service(heavy, light), Locality.of("r1", "a"), factors);

    List<Integer> weights =
        cla.getEndpoints(0).getLbEndpointsList().stream()
            .map(e -> e.getLoadBalancingWeight().getValue())
            .toList();
    assertEquals(List.of(400, 1), weights);
  }

  @Test
  void serviceWithoutEndpointsGetsAnEmptyAssignment() {
    ClusterLoadAssignment cla =
        projector.project(service(), Locality.of("r1", "a"), LoadFactors.NEUTRAL);
    assertEquals("llama", cla.getClusterName());
    assertEquals(0, cla.getEndpointsCount());
  }
}
