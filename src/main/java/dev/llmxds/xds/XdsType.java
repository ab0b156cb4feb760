package dev.llmxds.xds;

import io.envoyproxy.controlplane.cache.Resources;

/** Short names for xDS type URLs, as shown in logs and admin views. */
public final class XdsType {
  private XdsType() {}

  public static String shortName(String typeUrl) {
    return switch (typeUrl) {
      case Resources.V3.CLUSTER_TYPE_URL -> "cds";
      case Resources.V3.ENDPOINT_TYPE_URL -> "eds";
      case Resources.V3.LISTENER_TYPE_URL -> "lds";
      case Resources.V3.ROUTE_TYPE_URL -> "rds";
      case Resources.V3.SECRET_TYPE_URL -> "sds";
      default -> typeUrl;
    };
  }
}
