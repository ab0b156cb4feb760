package dev.llmxds.xds.resource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.LoadFactors;
import dev.llmxds.xds.projection.ProjectionMemo;
import dev.llmxds.xds.projection.XdsProjection;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Session affinity (issue 17): the route's hash policy and the cluster's consistent hash. */
class AffinityProjectionTest {
  private static final NodeGroupKey SIDECAR =
      new NodeGroupKey(ClientKind.SIDECAR, Locality.of("r1", "a"));
  private static final NodeGroupKey PROXYLESS =
      new NodeGroupKey(ClientKind.PROXYLESS, Locality.of("r1", "a"));

  private static Endpoint ep(int port, String zone, int weight) {
    return new Endpoint(
        "10.0.0.1", port, Locality.of("r1", zone), weight, EndpointHealth.HEALTHY, false);
  }

  private static final List<Endpoint> ENDPOINTS =
      List.of(ep(1, "a", 1), ep(2, "a", 3), ep(3, "a", 7), ep(4, "b", 2));

  private static Fleet fleet(Affinity affinity) {
    return Fleet.of(
        List.of(new InferenceService("llama", List.of("llama-3-8b"), ENDPOINTS, affinity)));
  }

  private static LlmXdsConfig config(String yaml) {
    return ConfigLoader.parse(yaml, null);
  }

  private static XdsResources project(String yaml, Fleet fleet, NodeGroupKey group) {
    return new XdsProjection(config(yaml)).project(fleet, LoadFactors.NEUTRAL, group);
  }

  private static List<RouteAction> sidecarRouteActions(XdsResources r) {
    List<RouteAction> actions = new ArrayList<>();
    for (Route route : r.routes().get(0).getVirtualHosts(0).getRoutesList()) {
      if (route.hasRoute()) {
        actions.add(route.getRoute());
      }
    }
    return actions;
  }

  private static RouteAction proxylessRoute(XdsResources r) throws Exception {
    Listener l = r.listeners().get(0);
    return l.getApiListener()
        .getApiListener()
        .unpack(HttpConnectionManager.class)
        .getRouteConfig()
        .getVirtualHosts(0)
        .getRoutes(0)
        .getRoute();
  }

  private static final String HEADER_ON =
      "cluster: {affinity: {header: x-session-id}}\nlistener: {defaultService: llama}";

  @Test
  void offByDefaultLeastRequestAndNoHashPolicy() throws Exception {
    XdsResources sidecar = project("", fleet(null), SIDECAR);
    assertEquals(Cluster.LbPolicy.LEAST_REQUEST, sidecar.clusters().get(0).getLbPolicy());
    sidecarRouteActions(sidecar).forEach(a -> assertEquals(0, a.getHashPolicyCount()));
    XdsResources proxyless = project("", fleet(null), PROXYLESS);
    assertEquals(0, proxylessRoute(proxyless).getHashPolicyCount());
    assertEquals(Cluster.LbPolicy.ROUND_ROBIN, proxyless.clusters().get(0).getLbPolicy());
    assertFalse(proxyless.clusters().get(0).hasRingHashLbConfig());
  }

  @Test
  void headerAffinityHashesEveryRouteToTheServiceAndUsesABoundedRingHash() {
    XdsResources r = project(HEADER_ON, fleet(null), SIDECAR);
    List<RouteAction> actions = sidecarRouteActions(r);
    assertEquals(2, actions.size(), "the model route and the default route");
    for (RouteAction a : actions) {
      assertEquals(1, a.getHashPolicyCount());
      assertEquals("x-session-id", a.getHashPolicy(0).getHeader().getHeaderName());
    }
    Cluster c = r.clusters().get(0);
    assertEquals(Cluster.LbPolicy.RING_HASH, c.getLbPolicy());
    assertFalse(c.hasLeastRequestLbConfig());
    assertEquals(1024, c.getRingHashLbConfig().getMinimumRingSize().getValue());
    assertEquals(8_388_608, c.getRingHashLbConfig().getMaximumRingSize().getValue());
    assertEquals(
        Cluster.RingHashLbConfig.HashFunction.XX_HASH, c.getRingHashLbConfig().getHashFunction());
    assertEquals(
        150,
        c.getCommonLbConfig().getConsistentHashingLbConfig().getHashBalanceFactor().getValue());
    assertTrue(c.getCommonLbConfig().hasHealthyPanicThreshold(), "the rest stays");
  }

  @Test
  void maglevWithItsTableSizeAndBalanceFactor() {
    XdsResources r =
        project(
            "cluster: {affinity: {enabled: true, lb: maglev, tableSize: 131, hashBalanceFactor: 125}}",
            fleet(null),
            SIDECAR);
    Cluster c = r.clusters().get(0);
    assertEquals(Cluster.LbPolicy.MAGLEV, c.getLbPolicy());
    assertEquals(131, c.getMaglevLbConfig().getTableSize().getValue());
    assertFalse(c.hasRingHashLbConfig());
    assertEquals(
        125,
        c.getCommonLbConfig().getConsistentHashingLbConfig().getHashBalanceFactor().getValue());
    assertEquals(
        "x-session-id",
        sidecarRouteActions(r).get(0).getHashPolicy(0).getHeader().getHeaderName(),
        "enabled alone hashes x-session-id");
  }

  @Test
  void aBalanceFactorOfZeroMeansNoBoundedLoad() {
    Cluster c =
        project(
                "cluster: {affinity: {header: x-user-id, hashBalanceFactor: 0}}",
                fleet(null),
                SIDECAR)
            .clusters()
            .get(0);
    assertEquals(Cluster.LbPolicy.RING_HASH, c.getLbPolicy());
    assertFalse(c.getCommonLbConfig().hasConsistentHashingLbConfig());
  }

  @Test
  void cookieHashPolicyGeneratesTheCookieOnlyWithATtl() {
    RouteAction.HashPolicy.Cookie withTtl =
        sidecarRouteActions(
                project(
                    "cluster: {affinity: {cookie: llm-session, cookieTtl: 1h}}",
                    fleet(null),
                    SIDECAR))
            .get(0)
            .getHashPolicy(0)
            .getCookie();
    assertEquals("llm-session", withTtl.getName());
    assertEquals(3600, withTtl.getTtl().getSeconds());
    assertEquals("/", withTtl.getPath());
    RouteAction.HashPolicy.Cookie noTtl =
        sidecarRouteActions(project("cluster: {affinity: {cookie: sid}}", fleet(null), SIDECAR))
            .get(0)
            .getHashPolicy(0)
            .getCookie();
    assertEquals("sid", noTtl.getName());
    assertFalse(noTtl.hasTtl(), "no ttl: Envoy never generates the cookie");
  }

  @Test
  void proxylessGetsRingHashFirstThenTheUsualPoliciesAndTheHeaderOnItsInlineRoute()
      throws Exception {
    for (String lb : List.of("ring-hash", "maglev")) {
      XdsResources r =
          project(
              "cluster: {affinity: {header: x-session-id, lb: "
                  + lb
                  + ", minRingSize: 64, maxRingSize: 4096}}",
              fleet(null),
              PROXYLESS);
      Cluster c = r.clusters().get(0);
      assertEquals(Cluster.LbPolicy.RING_HASH, c.getLbPolicy(), "gRPC has no maglev: " + lb);
      assertEquals(64, c.getRingHashLbConfig().getMinimumRingSize().getValue());
      var policies = c.getLoadBalancingPolicy().getPoliciesList();
      assertEquals(2, policies.size());
      assertEquals(
          "envoy.load_balancing_policies.ring_hash",
          policies.get(0).getTypedExtensionConfig().getName());
      RingHash ringHash =
          policies.get(0).getTypedExtensionConfig().getTypedConfig().unpack(RingHash.class);
      assertEquals(RingHash.HashFunction.XX_HASH, ringHash.getHashFunction());
      assertFalse(
          ringHash.hasMinimumRingSize() || ringHash.hasMaximumRingSize(),
          "grpc-js-xds 1.14 NACKs explicit ring sizes in the extension");
      assertEquals(150, ringHash.getConsistentHashingLbConfig().getHashBalanceFactor().getValue());
      assertTrue(
          policies.get(1).getTypedExtensionConfig().getTypedConfig().is(WrrLocality.class),
          "a client without ring hash falls back to the usual policy");
      RouteAction route = proxylessRoute(r);
      assertEquals(1, route.getHashPolicyCount());
      assertEquals("x-session-id", route.getHashPolicy(0).getHeader().getHeaderName());
    }
  }

  @Test
  void aServicesOwnAffinityWinsOverTheDefault() throws Exception {
    Affinity maglev =
        new Affinity(
            true, "x-user-id", null, null, Affinity.Lb.MAGLEV, 200, 1024, 8_388_608, 65_537);
    XdsResources r = project(HEADER_ON, fleet(maglev), SIDECAR);
    assertEquals(Cluster.LbPolicy.MAGLEV, r.clusters().get(0).getLbPolicy());
    assertEquals(
        "x-user-id", sidecarRouteActions(r).get(0).getHashPolicy(0).getHeader().getHeaderName());
    XdsResources off = project(HEADER_ON, fleet(Affinity.OFF), SIDECAR);
    assertEquals(Cluster.LbPolicy.LEAST_REQUEST, off.clusters().get(0).getLbPolicy());
    sidecarRouteActions(off).forEach(a -> assertEquals(0, a.getHashPolicyCount()));
    assertEquals(
        0, proxylessRoute(project(HEADER_ON, fleet(Affinity.OFF), PROXYLESS)).getHashPolicyCount());
  }

  private static Map<Integer, Integer> weights(XdsResources r) {
    Map<Integer, Integer> byPort = new TreeMap<>();
    for (ClusterLoadAssignment cla : r.loadAssignments()) {
      for (var locality : cla.getEndpointsList()) {
        for (LbEndpoint e : locality.getLbEndpointsList()) {
          byPort.put(
              e.getEndpoint().getAddress().getSocketAddress().getPortValue(),
              e.getLoadBalancingWeight().getValue());
        }
      }
    }
    return byPort;
  }

  @Test
  void endpointWeightsKeepFlowingWithAffinity() {
    for (NodeGroupKey group : List.of(SIDECAR, PROXYLESS)) {
      Map<Integer, Integer> without = weights(project("", fleet(null), group));
      Map<Integer, Integer> with = weights(project(HEADER_ON, fleet(null), group));
      assertEquals(without, with);
      assertEquals(Map.of(1, 100, 2, 300, 3, 700, 4, 200), with, "static weight × 100");
    }
  }

  @Test
  void everyAffinityShapePassesTheValidatorForEveryGroup() {
    ResourceValidator validator = new ResourceValidator();
    List<String> configs =
        List.of(
            HEADER_ON,
            "cluster: {affinity: {enabled: true, lb: maglev}}",
            "cluster: {affinity: {cookie: sid, cookieTtl: 0s, hashBalanceFactor: 0}}",
            "cluster: {affinity: {cookie: sid, lb: maglev, tableSize: 5000011}}",
            "cluster: {affinity: {header: x-user-id, minRingSize: 1, maxRingSize: 1}}");
    for (String yaml : configs) {
      for (ClientKind kind : ClientKind.values()) {
        for (Locality l : List.of(Locality.NONE, Locality.of("r1", "a"), Locality.of("r9", "z"))) {
          XdsResources r = project(yaml, fleet(null), new NodeGroupKey(kind, l));
          assertEquals(List.of(), validator.validate(r), yaml + " " + kind + " " + l);
        }
      }
    }
  }

  @Test
  void theMemoReprojectsListenerAndRoutesWhenOnlyTheAffinityChanges() {
    XdsProjection projection = new XdsProjection(config(""));
    ProjectionMemo memo = new ProjectionMemo();
    Affinity on =
        new Affinity(
            true, "x-session-id", null, null, Affinity.Lb.RING_HASH, 150, 1024, 4096, 65_537);
    List<XdsResources> seen = new ArrayList<>();
    for (Fleet f : List.of(fleet(null), fleet(null), fleet(on))) {
      memo.startPublication(f);
      seen.add(projection.project(f, LoadFactors.NEUTRAL, PROXYLESS, memo));
      memo.startPublication(f);
      seen.add(projection.project(f, LoadFactors.NEUTRAL, SIDECAR, memo));
    }
    assertSame(seen.get(0).listeners().get(0), seen.get(2).listeners().get(0));
    assertSame(seen.get(1).routes().get(0), seen.get(3).routes().get(0));
    assertNotSame(seen.get(2).listeners().get(0), seen.get(4).listeners().get(0));
    assertNotSame(seen.get(3).routes().get(0), seen.get(5).routes().get(0));
    assertEquals(
        1,
        seen.get(5)
            .routes()
            .get(0)
            .getVirtualHosts(0)
            .getRoutes(0)
            .getRoute()
            .getHashPolicyCount());
    assertEquals(Cluster.LbPolicy.RING_HASH, seen.get(4).clusters().get(0).getLbPolicy());
  }
}
