package dev.llmxds.xds.resource;

import io.envoyproxy.envoy.config.core.v3.Node;
import java.util.Locale;

/** What kind of xDS client a node is; decides which listeners it is given. */
public enum ClientKind {
  /** Envoy: one HTTP listener routing on the model header, plus its route configuration. */
  SIDECAR,
  /** Proxyless gRPC ({@code xds:///service}): one API listener per inference service. */
  PROXYLESS;

  public static ClientKind of(Node node) {
    return node.getUserAgentName().toLowerCase(Locale.ROOT).startsWith("grpc")
        ? PROXYLESS
        : SIDECAR;
  }
}
