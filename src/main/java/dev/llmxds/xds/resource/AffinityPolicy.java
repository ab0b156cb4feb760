package dev.llmxds.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.UInt64Value;
import dev.llmxds.config.AffinityConfig;
import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.InferenceService;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.extensions.load_balancing_policies.common.v3.ConsistentHashingLbConfig;
import io.envoyproxy.envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash;

/**
 * Session affinity as Envoy and gRPC take it: the route's hash policy (a header or a cookie) and
 * the cluster's consistent-hash load balancer with bounded load ({@code hash_balance_factor}).
 *
 * <ul>
 *   <li>Envoy sidecars: {@code RING_HASH} ({@code ring_hash_lb_config}) or {@code MAGLEV} ({@code
 *       maglev_lb_config}), bounded load in {@code common_lb_config.consistent_hashing_lb_config}
 *       (read by both: {@code ring_hash_lb.cc} converts it, {@code maglev_lb.cc} reads it). Both
 *       build their ring/table from the normalised endpoint weights ({@code
 *       thread_aware_lb_impl.cc} {@code normalizeHostWeights}), so llm-xds's weights keep steering.
 *   <li>Proxyless gRPC: always ring hash (no gRPC implements maglev): {@code load_balancing_policy}
 *       = the {@code ring_hash} extension (without ring sizes, which grpc-js NACKs there) first,
 *       the usual least request / round robin after it for a client without ring hash; legacy
 *       {@code lb_policy: RING_HASH}. gRPC hashes header policies only (no cookie) and ignores
 *       {@code hash_balance_factor}.
 * </ul>
 *
 * A request without the hash key gets a random hash in Envoy ({@code ThreadAwareLoadBalancerBase}:
 * {@code hash ? hash.value() : random_.random()}), grpc-java ({@code XdsNameResolver.generateHash})
 * and grpc-js ({@code route-action.ts getHash}): it lands on a random point of the weighted ring,
 * still under the load bound in Envoy.
 */
public final class AffinityPolicy {
  static final String RING_HASH_POLICY = "envoy.load_balancing_policies.ring_hash";

  private AffinityPolicy() {}

  /** The configured default as a domain value. */
  public static Affinity of(AffinityConfig c) {
    return new Affinity(
        c.enabled(),
        c.cookie() == null ? c.header() : null,
        c.cookie(),
        c.cookieTtl(),
        c.lb().equals(AffinityConfig.MAGLEV) ? Affinity.Lb.MAGLEV : Affinity.Lb.RING_HASH,
        c.hashBalanceFactor(),
        c.minRingSize(),
        c.maxRingSize(),
        c.tableSize());
  }

  /** The service's own affinity, else the configured default. */
  public static Affinity effective(InferenceService service, Affinity fallback) {
    return service.affinity() != null ? service.affinity() : fallback;
  }

  /** The route's hash policy. */
  static RouteAction.HashPolicy hashPolicy(Affinity a) {
    RouteAction.HashPolicy.Builder p = RouteAction.HashPolicy.newBuilder();
    if (a.cookie() != null) {
      RouteAction.HashPolicy.Cookie.Builder cookie =
          RouteAction.HashPolicy.Cookie.newBuilder().setName(a.cookie());
      if (a.cookieTtl() != null) {
        // Envoy generates the cookie only when a ttl is set (0: a session cookie)
        cookie.setTtl(ProtoDurations.of(a.cookieTtl())).setPath("/");
      }
      return p.setCookie(cookie).build();
    }
    return p.setHeader(RouteAction.HashPolicy.Header.newBuilder().setHeaderName(a.header()))
        .build();
  }

  /** Switches a sidecar cluster to the affinity's consistent-hash load balancer. */
  static void sidecar(Cluster.Builder cluster, Affinity a) {
    cluster.clearLeastRequestLbConfig();
    if (a.lb() == Affinity.Lb.MAGLEV) {
      cluster
          .setLbPolicy(Cluster.LbPolicy.MAGLEV)
          .setMaglevLbConfig(
              Cluster.MaglevLbConfig.newBuilder().setTableSize(UInt64Value.of(a.tableSize())));
    } else {
      cluster.setLbPolicy(Cluster.LbPolicy.RING_HASH).setRingHashLbConfig(ringHashLbConfig(a));
    }
    if (a.hashBalanceFactor() > 0) {
      cluster
          .getCommonLbConfigBuilder()
          .setConsistentHashingLbConfig(
              Cluster.CommonLbConfig.ConsistentHashingLbConfig.newBuilder()
                  .setHashBalanceFactor(UInt32Value.of(a.hashBalanceFactor())));
    }
  }

  /** The proxyless cluster's ring hash: legacy fields plus the first load-balancing policy. */
  static void proxyless(Cluster.Builder cluster, Affinity a) {
    cluster
        .clearLeastRequestLbConfig()
        .setLbPolicy(Cluster.LbPolicy.RING_HASH)
        .setRingHashLbConfig(ringHashLbConfig(a));
    // no ring sizes in the extension: grpc-js-xds 1.14 decodes its UInt64Values as strings and
    // NACKs the Cluster ("ring_hash config field min_ring_size must be a number if provided",
    // load-balancer-ring-hash.ts); gRPC clients then use their defaults (1024, capped at 4096).
    // The legacy ring_hash_lb_config above keeps them for clients that read lb_policy.
    RingHash.Builder ringHash =
        RingHash.newBuilder().setHashFunction(RingHash.HashFunction.XX_HASH);
    if (a.hashBalanceFactor() > 0) {
      ringHash.setConsistentHashingLbConfig(
          ConsistentHashingLbConfig.newBuilder()
              .setHashBalanceFactor(UInt32Value.of(a.hashBalanceFactor())));
    }
    var fallback = java.util.List.copyOf(cluster.getLoadBalancingPolicy().getPoliciesList());
    cluster
        .getLoadBalancingPolicyBuilder()
        .clearPolicies()
        .addPolicies(
            io.envoyproxy.envoy.config.cluster.v3.LoadBalancingPolicy.Policy.newBuilder()
                .setTypedExtensionConfig(
                    TypedExtensionConfig.newBuilder()
                        .setName(RING_HASH_POLICY)
                        .setTypedConfig(Any.pack(ringHash.build()))))
        .addAllPolicies(fallback);
  }

  private static Cluster.RingHashLbConfig ringHashLbConfig(Affinity a) {
    return Cluster.RingHashLbConfig.newBuilder()
        .setHashFunction(Cluster.RingHashLbConfig.HashFunction.XX_HASH)
        .setMinimumRingSize(UInt64Value.of(a.minRingSize()))
        .setMaximumRingSize(UInt64Value.of(a.maxRingSize()))
        .build();
  }
}
