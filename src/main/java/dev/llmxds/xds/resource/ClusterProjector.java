package dev.llmxds.xds.resource;

import com.google.protobuf.UInt32Value;
import dev.llmxds.config.ClusterConfig;
import dev.llmxds.config.HealthCheckConfig;
import dev.llmxds.config.OutlierDetectionConfig;
import dev.llmxds.config.SlowStartConfig;
import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.InferenceService;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy;
import io.envoyproxy.envoy.config.cluster.v3.OutlierDetection;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.RuntimeDouble;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest;
import io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import io.envoyproxy.envoy.type.v3.Percent;

/**
 * One EDS cluster per inference service: least request, outlier detection that ejects in small GPU
 * pools, circuit breakers sized for long streams, optional slow start and active health check.
 */
public final class ClusterProjector {
  static final ConfigSource ADS =
      ConfigSource.newBuilder()
          .setAds(AggregatedConfigSource.getDefaultInstance())
          .setResourceApiVersion(ApiVersion.V3)
          .build();

  private final ClusterConfig config;
  private final Affinity defaultAffinity;

  public ClusterProjector(ClusterConfig config) {
    this.config = config;
    this.defaultAffinity = AffinityPolicy.of(config.affinity());
  }

  /** The cluster as an Envoy sidecar gets it. */
  public Cluster project(InferenceService service) {
    return project(service, ClientKind.SIDECAR);
  }

  /**
   * The cluster of {@code service} for one kind of client. Envoy sidecars get {@code LEAST_REQUEST}
   * with its settings. Proxyless gRPC clients also get {@code load_balancing_policy}, which every
   * gRPC implementation reads before {@code lb_policy} and takes the first entry it supports from:
   * locality-weighted ({@code wrr_locality}) over least request, else round robin. grpc-java and
   * grpc-go pick least request; grpc-js, which has no least request and NACKs a bare LEAST_REQUEST,
   * picks round robin (gRFC A52; grpc-js {@code load-balancer-cds}).
   */
  public Cluster project(InferenceService service, ClientKind kind) {
    Cluster.LeastRequestLbConfig.Builder leastRequest =
        Cluster.LeastRequestLbConfig.newBuilder()
            .setChoiceCount(UInt32Value.of(config.leastRequest().choiceCount()));
    if (config.leastRequest().activeRequestBias() != null) {
      leastRequest.setActiveRequestBias(
          RuntimeDouble.newBuilder()
              .setDefaultValue(config.leastRequest().activeRequestBias())
              .setRuntimeKey("llm_xds.active_request_bias"));
    }
    Affinity affinity = AffinityPolicy.effective(service, defaultAffinity);
    if (config.slowStart() != null && !affinity.enabled()) {
      leastRequest.setSlowStartConfig(slowStart(config.slowStart()));
    }
    Cluster.Builder cluster =
        Cluster.newBuilder()
            .setName(service.name())
            .setType(Cluster.DiscoveryType.EDS)
            .setEdsClusterConfig(
                Cluster.EdsClusterConfig.newBuilder()
                    .setEdsConfig(ADS)
                    .setServiceName(service.name()))
            .setConnectTimeout(ProtoDurations.of(config.connectTimeout()))
            .setLbPolicy(Cluster.LbPolicy.LEAST_REQUEST)
            .setLeastRequestLbConfig(leastRequest)
            .setCommonLbConfig(
                Cluster.CommonLbConfig.newBuilder()
                    .setHealthyPanicThreshold(
                        Percent.newBuilder().setValue(config.healthyPanicThreshold()))
                    .setUpdateMergeWindow(ProtoDurations.of(config.updateMergeWindow())))
            .setCircuitBreakers(circuitBreakers());
    if (kind == ClientKind.PROXYLESS) {
      // the legacy field is what a client without load_balancing_policy support reads (or grpc-js
      // with GRPC_EXPERIMENTAL_XDS_CUSTOM_LB_CONFIG=false): ROUND_ROBIN is the one they all take
      cluster
          .setLbPolicy(Cluster.LbPolicy.ROUND_ROBIN)
          .clearLeastRequestLbConfig()
          .setLoadBalancingPolicy(proxylessPolicy());
    }
    if (affinity.enabled()) {
      if (kind == ClientKind.PROXYLESS) {
        AffinityPolicy.proxyless(cluster, affinity);
      } else {
        AffinityPolicy.sidecar(cluster, affinity);
      }
    }
    if (config.outlierDetection().enabled()) {
      cluster.setOutlierDetection(outlierDetection(config.outlierDetection()));
    }
    if (config.healthCheck() != null) {
      cluster.addHealthChecks(healthCheck(config.healthCheck()));
    }
    return cluster.build();
  }

  private LoadBalancingPolicy proxylessPolicy() {
    LeastRequest.Builder leastRequest =
        LeastRequest.newBuilder()
            .setChoiceCount(UInt32Value.of(config.leastRequest().choiceCount()));
    LoadBalancingPolicy endpointPicking =
        LoadBalancingPolicy.newBuilder()
            .addPolicies(
                policy("envoy.load_balancing_policies.least_request", leastRequest.build()))
            .addPolicies(
                policy(
                    "envoy.load_balancing_policies.round_robin", RoundRobin.getDefaultInstance()))
            .build();
    return LoadBalancingPolicy.newBuilder()
        .addPolicies(
            policy(
                "envoy.load_balancing_policies.wrr_locality",
                WrrLocality.newBuilder().setEndpointPickingPolicy(endpointPicking).build()))
        .build();
  }

  private static LoadBalancingPolicy.Policy policy(
      String name, com.google.protobuf.Message config) {
    return LoadBalancingPolicy.Policy.newBuilder()
        .setTypedExtensionConfig(
            TypedExtensionConfig.newBuilder()
                .setName(name)
                .setTypedConfig(com.google.protobuf.Any.pack(config)))
        .build();
  }

  private CircuitBreakers circuitBreakers() {
    var cb = config.circuitBreakers();
    CircuitBreakers.Thresholds.Builder t =
        CircuitBreakers.Thresholds.newBuilder()
            .setMaxConnections(UInt32Value.of(cb.maxConnections()))
            .setMaxPendingRequests(UInt32Value.of(cb.maxPendingRequests()))
            .setMaxRequests(UInt32Value.of(cb.maxRequests()))
            .setMaxRetries(UInt32Value.of(cb.maxRetries()));
    return CircuitBreakers.newBuilder()
        .addThresholds(t.setPriority(RoutingPriority.DEFAULT))
        .addThresholds(t.setPriority(RoutingPriority.HIGH))
        .build();
  }

  static OutlierDetection outlierDetection(OutlierDetectionConfig od) {
    return OutlierDetection.newBuilder()
        .setConsecutive5Xx(UInt32Value.of(od.consecutive5xx()))
        .setConsecutiveGatewayFailure(UInt32Value.of(od.consecutiveGatewayFailure()))
        .setEnforcingConsecutiveGatewayFailure(
            UInt32Value.of(od.enforcingConsecutiveGatewayFailure()))
        .setInterval(ProtoDurations.of(od.interval()))
        .setBaseEjectionTime(ProtoDurations.of(od.baseEjectionTime()))
        .setMaxEjectionTime(ProtoDurations.of(od.maxEjectionTime()))
        .setMaxEjectionPercent(UInt32Value.of(od.maxEjectionPercent()))
        .setEnforcingSuccessRate(UInt32Value.of(od.enforcingSuccessRate()))
        .setFailurePercentageThreshold(UInt32Value.of(od.failurePercentageThreshold()))
        .setEnforcingFailurePercentage(UInt32Value.of(od.enforcingFailurePercentage()))
        .setFailurePercentageMinimumHosts(UInt32Value.of(od.failurePercentageMinimumHosts()))
        .setFailurePercentageRequestVolume(UInt32Value.of(od.failurePercentageRequestVolume()))
        .build();
  }

  private static Cluster.SlowStartConfig slowStart(SlowStartConfig s) {
    return Cluster.SlowStartConfig.newBuilder()
        .setSlowStartWindow(ProtoDurations.of(s.window()))
        .setAggression(
            RuntimeDouble.newBuilder()
                .setDefaultValue(s.aggression())
                .setRuntimeKey("llm_xds.slow_start_aggression"))
        .setMinWeightPercent(Percent.newBuilder().setValue(s.minWeightPercent()))
        .build();
  }

  private static HealthCheck healthCheck(HealthCheckConfig hc) {
    return HealthCheck.newBuilder()
        .setTimeout(ProtoDurations.of(hc.timeout()))
        .setInterval(ProtoDurations.of(hc.interval()))
        .setHealthyThreshold(UInt32Value.of(hc.healthyThreshold()))
        .setUnhealthyThreshold(UInt32Value.of(hc.unhealthyThreshold()))
        .setHttpHealthCheck(HealthCheck.HttpHealthCheck.newBuilder().setPath(hc.path()))
        .build();
  }
}
