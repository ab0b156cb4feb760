package dev.llmxds.config;

/** The whole validated configuration of one llm-xds process. */
public record LlmXdsConfig(
    XdsServerConfig xds,
    DiscoveryConfig discovery,
    ReconcilerConfig reconciler,
    LocalityConfig locality,
    ClusterConfig cluster,
    ListenerConfig listener,
    LoadConfig load,
    WeightsConfig weights,
    AdminConfig admin) {
  public static final LlmXdsConfig DEFAULT =
      new LlmXdsConfig(null, null, null, null, null, null, null, null, null);

  public LlmXdsConfig {
    xds = Check.orDefault(xds, XdsServerConfig.DEFAULT);
    discovery = Check.orDefault(discovery, DiscoveryConfig.DEFAULT);
    reconciler = Check.orDefault(reconciler, ReconcilerConfig.DEFAULT);
    locality = Check.orDefault(locality, LocalityConfig.DEFAULT);
    cluster = Check.orDefault(cluster, ClusterConfig.DEFAULT);
    listener = Check.orDefault(listener, ListenerConfig.DEFAULT);
    load = Check.orDefault(load, LoadConfig.DEFAULT);
    weights = Check.orDefault(weights, WeightsConfig.DEFAULT);
    admin = Check.orDefault(admin, AdminConfig.DEFAULT);
  }

  public LlmXdsConfig withXds(XdsServerConfig newXds) {
    return new LlmXdsConfig(
        newXds, discovery, reconciler, locality, cluster, listener, load, weights, admin);
  }

  public LlmXdsConfig withDiscovery(DiscoveryConfig newDiscovery) {
    return new LlmXdsConfig(
        xds, newDiscovery, reconciler, locality, cluster, listener, load, weights, admin);
  }

  public LlmXdsConfig withAdmin(AdminConfig newAdmin) {
    return new LlmXdsConfig(
        xds, discovery, reconciler, locality, cluster, listener, load, weights, newAdmin);
  }
}
