package dev.llmxds.xds.resource;

import static dev.llmxds.testing.ProjectionFixtures.ep;
import static dev.llmxds.testing.ProjectionFixtures.fleet;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.ListenerConfig;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.LoadFactors;
import dev.llmxds.xds.projection.XdsProjection;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.List;
import org.junit.jupiter.api.Test;

class ListenerProjectorTest {
  private final ListenerProjector projector = new ListenerProjector(ListenerConfig.DEFAULT);

  @Test
  void sidecarListenerUsesRdsOverAdsWithTheRouterLast() throws Exception {
    Listener l = projector.sidecarListener();
    assertEquals("llm-xds-http", l.getName());
    assertEquals(10_000, l.getAddress().getSocketAddress().getPortValue());
    HttpConnectionManager hcm =
        l.getFilterChains(0).getFilters(0).getTypedConfig().unpack(HttpConnectionManager.class);
    assertEquals("llm-xds-http", hcm.getRds().getRouteConfigName());
    assertTrue(hcm.getRds().getConfigSource().hasAds());
    assertEquals(
        "envoy.filters.http.router", hcm.getHttpFilters(hcm.getHttpFiltersCount() - 1).getName());
    assertEquals(300, hcm.getStreamIdleTimeout().getSeconds());
  }

  @Test
  void routesPickTheServiceByModelHeaderWithRetriesAndNoTimeout() {
    RouteConfiguration rc = projector.sidecarRoutes(fleet(ep(1, "r1", "a")));
    List<Route> routes = rc.getVirtualHosts(0).getRoutesList();
    assertEquals(2, routes.size());
    Route byModel = routes.get(0);
    assertEquals("x-model", byModel.getMatch().getHeaders(0).getName());
    assertEquals("llama-3-8b", byModel.getMatch().getHeaders(0).getStringMatch().getExact());
    assertEquals("llama", byModel.getRoute().getCluster());
    assertEquals(0, byModel.getRoute().getTimeout().getSeconds(), "no timeout: completions stream");
    var retry = byModel.getRoute().getRetryPolicy();
    assertEquals("connect-failure,reset,retriable-status-codes", retry.getRetryOn());
    assertEquals(List.of(503), retry.getRetriableStatusCodesList());
    assertEquals(
        "envoy.retry_host_predicates.previous_hosts", retry.getRetryHostPredicate(0).getName());
    Route fallback = routes.get(1);
    assertEquals(404, fallback.getDirectResponse().getStatus(), "no default service: 404");
    assertTrue(fallback.getDirectResponse().getBody().getInlineString().contains("llama-3-8b"));
  }

  @Test
  void defaultServiceAndHeaderAreConfigurable() {
    ListenerConfig config =
        ConfigLoader.parse(
                "listener: {modelHeader: X-LLM-Model, defaultService: llama, port: 8080}", null)
            .listener();
    RouteConfiguration rc = new ListenerProjector(config).sidecarRoutes(fleet(ep(1, "r1", "a")));
    List<Route> routes = rc.getVirtualHosts(0).getRoutesList();
    assertEquals("x-llm-model", routes.get(0).getMatch().getHeaders(0).getName());
    assertEquals("llama", routes.get(1).getRoute().getCluster());
    assertFalse(routes.get(1).hasDirectResponse());
  }

  @Test
  void proxylessClientsGetOneApiListenerPerServiceNamedAfterIt() throws Exception {
    List<Listener> listeners =
        new XdsProjection(LlmXdsConfig.DEFAULT)
            .project(
                fleet(ep(1, "r1", "a")),
                LoadFactors.NEUTRAL,
                new NodeGroupKey(ClientKind.PROXYLESS, Locality.of("r1", "a")))
            .listeners();
    assertEquals(1, listeners.size());
    Listener l = listeners.get(0);
    assertEquals("llama", l.getName());
    HttpConnectionManager hcm =
        l.getApiListener().getApiListener().unpack(HttpConnectionManager.class);
    assertEquals(
        "llama", hcm.getRouteConfig().getVirtualHosts(0).getRoutes(0).getRoute().getCluster());
    assertEquals("envoy.filters.http.router", hcm.getHttpFilters(0).getName());
  }
}
