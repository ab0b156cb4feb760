package dev.llmxds.xds.projection;

import static dev.llmxds.testing.ProjectionFixtures.ep;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.config.LocalityConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.LoadFactors;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.LoadAssignmentProjector;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.PriorityPlanner;
import dev.llmxds.xds.resource.ResourceTypes;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What each kind of client gets: LB policy list, backup localities, health, retries. */
class ProxylessProjectionTest {
  private static final NodeGroupKey PROXYLESS_A =
      new NodeGroupKey(ClientKind.PROXYLESS, Locality.of("r1", "a"));
  private static final NodeGroupKey SIDECAR_A =
      new NodeGroupKey(ClientKind.SIDECAR, Locality.of("r1", "a"));

  private static Endpoint backup(int port, String zone) {
    return new Endpoint(
        "10.0.9." + port % 250, port, Locality.of("r1", zone), 1, EndpointHealth.HEALTHY, true);
  }

  private static Endpoint degraded(int port, String zone) {
    return ep(port, "r1", zone).withHealth(EndpointHealth.DEGRADED);
  }

  private static Fleet fleet(Endpoint... endpoints) {
    return Fleet.of(List.of(new InferenceService("llama", List.of(), List.of(endpoints))));
  }

  @Test
  void proxylessClustersListLeastRequestThenRoundRobinUnderLocalityWeights() throws Exception {
    Fleet fleet = fleet(ep(1, "r1", "a"));
    XdsProjection projection = new XdsProjection(LlmXdsConfig.DEFAULT);
    Cluster proxyless =
        projection.project(fleet, LoadFactors.NEUTRAL, PROXYLESS_A).clusters().get(0);
    Cluster sidecar = projection.project(fleet, LoadFactors.NEUTRAL, SIDECAR_A).clusters().get(0);

    assertFalse(sidecar.hasLoadBalancingPolicy(), "Envoy keeps weighted least request");
    assertEquals(
        Cluster.LbPolicy.ROUND_ROBIN,
        proxyless.getLbPolicy(),
        "what a client without load_balancing_policy support reads");
    assertEquals(Cluster.LbPolicy.LEAST_REQUEST, sidecar.getLbPolicy());
    var top = proxyless.getLoadBalancingPolicy().getPolicies(0).getTypedExtensionConfig();
    assertEquals("envoy.load_balancing_policies.wrr_locality", top.getName());
    var picking =
        top.getTypedConfig().unpack(WrrLocality.class).getEndpointPickingPolicy().getPoliciesList();
    assertEquals(2, picking.size());
    assertEquals(
        "envoy.load_balancing_policies.least_request",
        picking.get(0).getTypedExtensionConfig().getName());
    assertEquals(
        2,
        picking
            .get(0)
            .getTypedExtensionConfig()
            .getTypedConfig()
            .unpack(LeastRequest.class)
            .getChoiceCount()
            .getValue());
    assertEquals(
        "envoy.load_balancing_policies.round_robin",
        picking.get(1).getTypedExtensionConfig().getName(),
        "grpc-js has no least request: round robin is next");
  }

  @Test
  void backupEndpointsGetTheirOwnLocalityAtEveryLayout() {
    Fleet fleet = fleet(ep(1, "r1", "a"), ep(2, "r1", "b"), backup(3, "a"), backup(4, "c"));
    XdsProjection projection = new XdsProjection(LlmXdsConfig.DEFAULT);
    for (NodeGroupKey group :
        List.of(
            PROXYLESS_A,
            SIDECAR_A,
            new NodeGroupKey(ClientKind.PROXYLESS, Locality.of("r1", "c")),
            new NodeGroupKey(ClientKind.SIDECAR, Locality.NONE))) {
      ClusterLoadAssignment cla =
          projection.project(fleet, LoadFactors.NEUTRAL, group).loadAssignments().get(0);
      Set<io.envoyproxy.envoy.config.core.v3.Locality> seen = new HashSet<>();
      for (LocalityLbEndpoints l : cla.getEndpointsList()) {
        assertTrue(seen.add(l.getLocality()), group + ": locality twice: " + l.getLocality());
        boolean backups =
            l.getLbEndpoints(0)
                .getEndpoint()
                .getAddress()
                .getSocketAddress()
                .getAddress()
                .startsWith("10.0.9.");
        assertEquals(
            backups ? LoadAssignmentProjector.BACKUP_SUB_ZONE : "",
            l.getLocality().getSubZone(),
            group + ": " + l);
      }
      List<String> errors = new ArrayList<>();
      ResourceTypes.ENDPOINT.check(cla, errors);
      assertEquals(List.of(), errors);
    }
  }

  @Test
  void degradedIsServedAsHealthyToProxylessClientsOnlyUnlessConfigured() {
    Fleet fleet = fleet(degraded(1, "a"), ep(2, "r1", "a"));
    HealthStatus proxyless =
        new XdsProjection(LlmXdsConfig.DEFAULT)
            .project(fleet, LoadFactors.NEUTRAL, PROXYLESS_A)
            .loadAssignments()
            .get(0)
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getHealthStatus();
    HealthStatus sidecar =
        new XdsProjection(LlmXdsConfig.DEFAULT)
            .project(fleet, LoadFactors.NEUTRAL, SIDECAR_A)
            .loadAssignments()
            .get(0)
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getHealthStatus();
    HealthStatus strict =
        new XdsProjection(ConfigLoader.parse("cluster: {proxylessDegradedAs: degraded}", null))
            .project(fleet, LoadFactors.NEUTRAL, PROXYLESS_A)
            .loadAssignments()
            .get(0)
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getHealthStatus();
    assertEquals(HealthStatus.HEALTHY, proxyless, "gRPC would drop a DEGRADED endpoint");
    assertEquals(HealthStatus.DEGRADED, sidecar, "Envoy prefers healthy hosts itself");
    assertEquals(HealthStatus.DEGRADED, strict);

    LlmXdsConfig degraded = ConfigLoader.parse("cluster: {proxylessDegradedAs: degraded}", null);
    int proxylessLocality =
        new XdsProjection(degraded)
            .project(fleet, LoadFactors.NEUTRAL, PROXYLESS_A)
            .loadAssignments()
            .get(0)
            .getEndpoints(0)
            .getLoadBalancingWeight()
            .getValue();
    int sidecarLocality =
        new XdsProjection(degraded)
            .project(fleet, LoadFactors.NEUTRAL, SIDECAR_A)
            .loadAssignments()
            .get(0)
            .getEndpoints(0)
            .getLoadBalancingWeight()
            .getValue();
    assertEquals(100, proxylessLocality, "gRPC drops the DEGRADED one: its weight does not count");
    assertEquals(200, sidecarLocality);
  }

  @Test
  void proxylessRoutesRetryOnGrpcCodesWithBackoff() throws Exception {
    HttpConnectionManager hcm =
        new XdsProjection(LlmXdsConfig.DEFAULT)
            .project(fleet(ep(1, "r1", "a")), LoadFactors.NEUTRAL, PROXYLESS_A)
            .listeners()
            .get(0)
            .getApiListener()
            .getApiListener()
            .unpack(HttpConnectionManager.class);
    RetryPolicy retry =
        hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().getRetryPolicy();
    assertEquals("unavailable", retry.getRetryOn());
    assertEquals(2, retry.getNumRetries().getValue());
    assertTrue(retry.getRetryBackOff().hasBaseInterval());
    HttpConnectionManager off =
        new XdsProjection(ConfigLoader.parse("listener: {numRetries: 0}", null))
            .project(fleet(ep(1, "r1", "a")), LoadFactors.NEUTRAL, PROXYLESS_A)
            .listeners()
            .get(0)
            .getApiListener()
            .getApiListener()
            .unpack(HttpConnectionManager.class);
    assertFalse(off.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().hasRetryPolicy());
  }

  @Test
  void theValidatorRejectsALocalityAtTwoPriorities() {
    LoadAssignmentProjector projector =
        new LoadAssignmentProjector(new PriorityPlanner(LocalityConfig.DEFAULT), 140);
    ClusterLoadAssignment cla =
        projector.project(
            new InferenceService("llama", List.of(), List.of(ep(1, "r1", "a"), ep(2, "r1", "b"))),
            Locality.of("r1", "a"),
            LoadFactors.NEUTRAL);
    ClusterLoadAssignment clash =
        cla.toBuilder()
            .setEndpoints(
                1, cla.getEndpoints(1).toBuilder().setLocality(cla.getEndpoints(0).getLocality()))
            .build();
    List<String> errors = new ArrayList<>();
    ResourceTypes.ENDPOINT.check(clash, errors);
    assertEquals(1, errors.size(), errors.toString());
    assertTrue(errors.get(0).contains("appears twice"), errors.get(0));
  }
}
