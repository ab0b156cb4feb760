package dev.llmxds.testing;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.xds.XdsNameResolverProvider;
import java.util.List;
import java.util.Map;

/**
 * Proxyless gRPC clients (grpc-java's own xDS client) with a bootstrap per channel: node id, region
 * and zone, pointed at an llm-xds server on loopback.
 */
public final class XdsClients {
  private XdsClients() {}

  public static Map<String, Object> bootstrap(
      int xdsPort, String nodeId, String region, String zone) {
    Map<String, Object> locality = zone == null ? Map.of() : Map.of("region", region, "zone", zone);
    return Map.of(
        "xds_servers",
        List.of(
            Map.of(
                "server_uri",
                "127.0.0.1:" + xdsPort,
                "channel_creds",
                List.of(Map.of("type", "insecure")),
                "server_features",
                List.of("xds_v3"))),
        "node",
        Map.of("id", nodeId, "locality", locality));
  }

  @SuppressWarnings("deprecation") // the per-channel resolver factory is how grpc tests do it
  public static ManagedChannel channel(String service, Map<String, Object> bootstrap) {
    return NettyChannelBuilder.forTarget("xds:///" + service)
        .nameResolverFactory(XdsNameResolverProvider.createForTest("xds", bootstrap))
        .usePlaintext()
        .build();
  }
}
