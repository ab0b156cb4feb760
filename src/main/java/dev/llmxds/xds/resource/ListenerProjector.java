package dev.llmxds.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import dev.llmxds.config.ListenerConfig;
import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.listener.v3.ApiListener;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.stream.Collectors;

/**
 * Listeners and routes. Sidecars get one HTTP listener whose route configuration (over RDS) picks
 * the inference service by the model header, retries connect failures, resets and 503s on another
 * host, and sets no route timeout (completions stream for minutes). Proxyless gRPC clients get one
 * API listener per service, named after it, so {@code xds:///service} resolves.
 */
public final class ListenerProjector {
  static final String HCM_FILTER = "envoy.filters.network.http_connection_manager";
  static final String ROUTER_FILTER = "envoy.filters.http.router";

  private final ListenerConfig config;
  private final Affinity defaultAffinity;

  public ListenerProjector(ListenerConfig config) {
    this(config, Affinity.OFF);
  }

  /** With {@code defaultAffinity} for services that bring none of their own. */
  public ListenerProjector(ListenerConfig config, Affinity defaultAffinity) {
    this.config = config;
    this.defaultAffinity = defaultAffinity;
  }

  /** The affinity {@code service} is routed with. */
  public Affinity affinityOf(InferenceService service) {
    return AffinityPolicy.effective(service, defaultAffinity);
  }

  public String routeConfigName() {
    return config.name();
  }

  public Listener sidecarListener() {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("llm_xds")
            .setCodecType(HttpConnectionManager.CodecType.AUTO)
            .setRds(
                Rds.newBuilder()
                    .setConfigSource(ClusterProjector.ADS)
                    .setRouteConfigName(routeConfigName()))
            .setStreamIdleTimeout(ProtoDurations.of(config.streamIdleTimeout()))
            .setCommonHttpProtocolOptions(
                HttpProtocolOptions.newBuilder()
                    .setIdleTimeout(ProtoDurations.of(config.idleTimeout())))
            .addHttpFilters(router())
            .build();
    return Listener.newBuilder()
        .setName(config.name())
        .setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder()
                        .setAddress(config.address())
                        .setPortValue(config.port())))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(Filter.newBuilder().setName(HCM_FILTER).setTypedConfig(Any.pack(hcm))))
        .build();
  }

  public RouteConfiguration sidecarRoutes(Fleet fleet) {
    VirtualHost.Builder host = VirtualHost.newBuilder().setName("inference").addDomains("*");
    for (InferenceService service : fleet.services().values()) {
      for (String model : service.models()) {
        host.addRoutes(
            Route.newBuilder()
                .setName(service.name() + "/" + model)
                .setMatch(
                    RouteMatch.newBuilder()
                        .setPrefix("/")
                        .addHeaders(
                            HeaderMatcher.newBuilder()
                                .setName(config.modelHeader())
                                .setStringMatch(StringMatcher.newBuilder().setExact(model))))
                .setRoute(routeTo(service)));
      }
    }
    host.addRoutes(defaultRoute(fleet));
    return RouteConfiguration.newBuilder().setName(routeConfigName()).addVirtualHosts(host).build();
  }

  private Route defaultRoute(Fleet fleet) {
    Route.Builder route =
        Route.newBuilder().setName("default").setMatch(RouteMatch.newBuilder().setPrefix("/"));
    if (config.defaultService() != null && fleet.service(config.defaultService()).isPresent()) {
      return route.setRoute(routeTo(fleet.service(config.defaultService()).get())).build();
    }
    String known =
        fleet.services().values().stream()
            .flatMap(s -> s.models().stream())
            .sorted()
            .collect(Collectors.joining(", "));
    String body =
        config.defaultService() == null
            ? "no inference service for this request: set header "
                + config.modelHeader()
                + " to one of: "
                + known
                + "\n"
            : "default service " + config.defaultService() + " has no endpoints registered\n";
    return route
        .setDirectResponse(
            DirectResponseAction.newBuilder()
                .setStatus(config.defaultService() == null ? 404 : 503)
                .setBody(DataSource.newBuilder().setInlineString(body)))
        .build();
  }

  private RouteAction routeTo(InferenceService service) {
    RetryPolicy.Builder retry =
        RetryPolicy.newBuilder()
            .setRetryOn("connect-failure,reset,retriable-status-codes")
            .addAllRetriableStatusCodes(config.retriableStatusCodes())
            .setNumRetries(UInt32Value.of(config.numRetries()))
            .addRetryHostPredicate(
                RetryPolicy.RetryHostPredicate.newBuilder()
                    .setName("envoy.retry_host_predicates.previous_hosts")
                    .setTypedConfig(Any.pack(PreviousHostsPredicate.getDefaultInstance())))
            .setHostSelectionRetryMaxAttempts(5);
    RouteAction.Builder route =
        RouteAction.newBuilder()
            .setCluster(service.name())
            .setTimeout(ProtoDurations.of(config.routeTimeout()))
            .setRetryPolicy(retry);
    Affinity affinity = affinityOf(service);
    if (affinity.enabled()) {
      route.addHashPolicy(AffinityPolicy.hashPolicy(affinity));
    }
    return route.build();
  }

  /**
   * A proxyless client's route: retries on the configured gRPC status codes (grpc-java, grpc-go and
   * grpc-js honour {@code retry_on} codes, {@code num_retries} and {@code retry_back_off}; gRFC
   * A44), nothing when retries are off.
   */
  private RouteAction grpcRouteTo(InferenceService service) {
    RouteAction.Builder route = RouteAction.newBuilder().setCluster(service.name());
    Affinity affinity = affinityOf(service);
    if (affinity.enabled()) {
      route.addHashPolicy(AffinityPolicy.hashPolicy(affinity));
    }
    if (config.numRetries() > 0 && !config.grpcRetryOn().isEmpty()) {
      route.setRetryPolicy(
          RetryPolicy.newBuilder()
              .setRetryOn(String.join(",", config.grpcRetryOn()))
              // gRPC caps attempts at 5 (gRFC A44): more retries would be silently cut
              .setNumRetries(UInt32Value.of(Math.min(config.numRetries(), 4)))
              .setRetryBackOff(
                  RetryPolicy.RetryBackOff.newBuilder()
                      .setBaseInterval(ProtoDurations.of(java.time.Duration.ofMillis(25)))
                      .setMaxInterval(ProtoDurations.of(java.time.Duration.ofMillis(250)))));
    }
    return route.build();
  }

  /** The API listener of one service with the default affinity, for proxyless gRPC. */
  public Listener apiListener(String service) {
    return apiListener(new InferenceService(service, null, java.util.List.of()));
  }

  /** The API listener of one service, for proxyless gRPC. */
  public Listener apiListener(InferenceService inferenceService) {
    String service = inferenceService.name();
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName(service)
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName(service)
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix(""))
                            .setRoute(grpcRouteTo(inferenceService))))
            .build();
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(service)
            .setRouteConfig(routes)
            .addHttpFilters(router())
            .build();
    return Listener.newBuilder()
        .setName(service)
        .setApiListener(ApiListener.newBuilder().setApiListener(Any.pack(hcm)))
        .build();
  }

  private static HttpFilter router() {
    return HttpFilter.newBuilder()
        .setName(ROUTER_FILTER)
        .setTypedConfig(Any.pack(Router.getDefaultInstance()))
        .build();
  }
}
