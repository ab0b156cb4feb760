package dev.llmxds.xds.resource;

import static dev.llmxds.testing.ProjectionFixtures.backup;
import static dev.llmxds.testing.ProjectionFixtures.ep;
import static dev.llmxds.testing.ProjectionFixtures.fleet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.UInt32Value;
import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.LoadFactors;
import dev.llmxds.xds.projection.XdsProjection;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Every published resource passes the validate.rules Envoy declares, and bad ones are caught. */
class ResourceValidatorTest {
  private final ResourceValidator validator = new ResourceValidator();
  private final Fleet fleet =
      fleet(ep(1, "r1", "a"), ep(2, "r1", "b"), ep(3, "r2", "c"), backup(4, "r2", "c"));

  private static List<NodeGroupKey> groups() {
    List<NodeGroupKey> groups = new ArrayList<>();
    for (ClientKind kind : ClientKind.values()) {
      for (Locality l :
          List.of(
              Locality.NONE,
              Locality.of("r1", "a"),
              Locality.of("r2", "c"),
              Locality.of("r9", "z"))) {
        groups.add(new NodeGroupKey(kind, l));
      }
    }
    return groups;
  }

  @Test
  void everyProjectedResourcePassesForEveryGroupAndOptionalFeature() {
    LlmXdsConfig full =
        ConfigLoader.parse(
            """
            cluster:
              slowStart: {window: 30s}
              healthCheck: {path: /health}
              outlierDetection: {preset: nginx}
            listener: {defaultService: llama}
            """,
            null);
    for (LlmXdsConfig config : List.of(LlmXdsConfig.DEFAULT, full)) {
      XdsProjection projection = new XdsProjection(config);
      for (NodeGroupKey group : groups()) {
        XdsResources resources = projection.project(fleet, LoadFactors.NEUTRAL, group);
        assertEquals(List.of(), validator.validate(resources), group.toString());
      }
    }
  }

  @Test
  void catchesWhatEnvoyWouldReject() {
    XdsResources good =
        new XdsProjection(LlmXdsConfig.DEFAULT)
            .project(
                fleet,
                LoadFactors.NEUTRAL,
                new NodeGroupKey(ClientKind.SIDECAR, Locality.of("r1", "a")));
    ClusterLoadAssignment cla = good.loadAssignments().get(0);
    ClusterLoadAssignment zeroWeight =
        cla.toBuilder()
            .setEndpoints(
                0,
                cla.getEndpoints(0).toBuilder()
                    .setLbEndpoints(
                        0,
                        cla.getEndpoints(0).getLbEndpoints(0).toBuilder()
                            .setLoadBalancingWeight(UInt32Value.of(0))))
            .build();
    ClusterLoadAssignment sparse =
        cla.toBuilder().setEndpoints(1, cla.getEndpoints(1).toBuilder().setPriority(5)).build();
    ClusterLoadAssignment unweighted =
        cla.toBuilder()
            .setEndpoints(0, cla.getEndpoints(0).toBuilder().clearLoadBalancingWeight())
            .build();
    Cluster nameless = good.clusters().get(0).toBuilder().setName("").build();
    ClusterLoadAssignment overflowing =
        cla.toBuilder()
            .addEndpoints(
                cla.getEndpoints(0).toBuilder().setLoadBalancingWeight(UInt32Value.of(-1)))
            .build(); // a second locality of weight 2^32 - 1 at priority 0

    assertHas(with(good, zeroWeight, null), "load_balancing_weight: must be >= 1, got 0");
    assertHas(with(good, sparse, null), "are not contiguous from 0");
    assertHas(with(good, unweighted, null), "has no load_balancing_weight");
    assertHas(with(good, null, nameless), "Cluster.name: needs at least 1");
    assertHas(with(good, overflowing, null), "over uint32");
    Cluster proxyless =
        new XdsProjection(LlmXdsConfig.DEFAULT)
            .project(
                fleet,
                LoadFactors.NEUTRAL,
                new NodeGroupKey(ClientKind.PROXYLESS, Locality.of("r1", "a")))
            .clusters()
            .get(0);
    var wrr =
        io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality
            .newBuilder()
            .setEndpointPickingPolicy(
                io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy.newBuilder()
                    .addPolicies(
                        io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy.Policy
                            .newBuilder()
                            .setTypedExtensionConfig(
                                io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig.newBuilder()
                                    .setName("envoy.load_balancing_policies.least_request")
                                    .setTypedConfig(
                                        com.google.protobuf.Any.pack(
                                            io.envoyproxy.envoy.extensions.load_balancing_policies
                                                .least_request.v3.LeastRequest.newBuilder()
                                                .setChoiceCount(UInt32Value.of(1))
                                                .build())))))
            .build();
    Cluster nested =
        proxyless.toBuilder()
            .setLoadBalancingPolicy(
                proxyless.getLoadBalancingPolicy().toBuilder()
                    .setPolicies(
                        0,
                        proxyless.getLoadBalancingPolicy().getPolicies(0).toBuilder()
                            .setTypedExtensionConfig(
                                proxyless
                                    .getLoadBalancingPolicy()
                                    .getPolicies(0)
                                    .getTypedExtensionConfig()
                                    .toBuilder()
                                    .setTypedConfig(com.google.protobuf.Any.pack(wrr)))))
            .build();
    assertHas(with(good, null, nested), "choice_count: must be >= 2");
    assertHas(
        new XdsResources(good.clusters(), List.of(), good.listeners(), good.routes()),
        "no ClusterLoadAssignment named llama");
    assertHas(
        new XdsResources(List.of(), good.loadAssignments(), good.listeners(), good.routes()),
        "names unknown cluster llama");
    assertHas(
        new XdsResources(good.clusters(), good.loadAssignments(), good.listeners(), List.of()),
        "RouteConfiguration llm-xds-http is not published");
  }

  private static XdsResources with(XdsResources r, ClusterLoadAssignment cla, Cluster cluster) {
    return new XdsResources(
        cluster == null ? r.clusters() : List.of(cluster),
        cla == null ? r.loadAssignments() : List.of(cla),
        r.listeners(),
        r.routes());
  }

  private void assertHas(XdsResources resources, String expected) {
    List<String> errors = validator.validate(resources);
    assertTrue(
        errors.stream().anyMatch(e -> e.contains(expected)),
        "expected '" + expected + "' in " + errors);
  }
}
