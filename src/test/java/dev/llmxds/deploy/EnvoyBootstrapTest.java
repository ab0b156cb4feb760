package dev.llmxds.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Every shipped Envoy bootstrap, filled by run-envoy.sh as it would be for Envoy, parses into
 * Envoy's Bootstrap proto (a typo or an unknown field fails the build) and says what it should: one
 * xDS cluster over every replica, keepalives, the ADS reconnect backoff, TLS and mTLS.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EnvoyBootstrapTest {
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");

  private static Map<String, String> env(String... extra) {
    Map<String, String> env = new HashMap<>();
    env.put("ENVOY_NODE_ID", "envoy-1");
    env.put("ENVOY_CLUSTER", "llm-xds-sidecar");
    env.put("ENVOY_REGION", "us-east");
    env.put("ENVOY_ZONE", "us-east-1a");
    env.put("ENVOY_ADMIN_ADDRESS", "127.0.0.1");
    for (int i = 0; i < extra.length; i += 2) {
      env.put(extra[i], extra[i + 1]);
    }
    return env;
  }

  private static Bootstrap rendered(Map<String, String> env) throws Exception {
    String yaml = EnvoyBootstraps.render(env).yaml();
    Matcher left = PLACEHOLDER.matcher(yaml);
    assertFalse(left.find(), () -> "run-envoy.sh left " + left.group() + " unfilled");
    return EnvoyBootstraps.parse(yaml);
  }

  private static Cluster xdsCluster(Bootstrap b) {
    assertEquals(1, b.getStaticResources().getClustersCount());
    Cluster c = b.getStaticResources().getClusters(0);
    assertEquals("llm_xds", c.getName());
    return c;
  }

  private static List<String> hosts(Cluster c) {
    return c.getLoadAssignment().getEndpoints(0).getLbEndpointsList().stream()
        .map(LbEndpoint::getEndpoint)
        .map(e -> e.getAddress().getSocketAddress())
        .map(SocketAddress.class::cast)
        .map(a -> a.getAddress() + ":" + a.getPortValue())
        .toList();
  }

  private static UpstreamTlsContext tls(Cluster c) throws Exception {
    assertEquals("envoy.transport_sockets.tls", c.getTransportSocket().getName());
    return c.getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class);
  }

  @Test
  void sidecarBootstrapParsesWithNodeLocalityAdsAndEveryReplica() throws Exception {
    Bootstrap b =
        rendered(env("LLMXDS_HOSTS", "llm-xds-1, llm-xds-2:18001", "LLMXDS_PORT", "18000"));
    assertEquals("envoy-1", b.getNode().getId());
    assertEquals("us-east-1a", b.getNode().getLocality().getZone());
    assertEquals(9901, b.getAdmin().getAddress().getSocketAddress().getPortValue());
    var ads = b.getDynamicResources().getAdsConfig();
    assertEquals("llm_xds", ads.getGrpcServices(0).getEnvoyGrpc().getClusterName());
    assertTrue(ads.getSetNodeOnFirstMessageOnly(), "the node once per stream, not per request");
    assertTrue(b.getDynamicResources().getCdsConfig().hasAds());
    assertTrue(b.getDynamicResources().getLdsConfig().hasAds());

    var backoff = ads.getGrpcServices(0).getEnvoyGrpc().getRetryPolicy().getRetryBackOff();
    assertEquals(500_000_000, backoff.getBaseInterval().getNanos());
    assertEquals(10, backoff.getMaxInterval().getSeconds());

    Cluster c = xdsCluster(b);
    assertEquals(Cluster.DiscoveryType.STRICT_DNS, c.getType());
    assertEquals(List.of("llm-xds-1:18000", "llm-xds-2:18001"), hosts(c));
    var keepalive = c.getUpstreamConnectionOptions().getTcpKeepalive();
    assertEquals(30, keepalive.getKeepaliveTime().getValue());
    assertEquals(3, keepalive.getKeepaliveProbes().getValue());
    assertEquals(5, keepalive.getKeepaliveInterval().getValue());
    HttpProtocolOptions h2 =
        c.getTypedExtensionProtocolOptionsOrThrow(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
            .unpack(HttpProtocolOptions.class);
    var ping = h2.getExplicitHttpConfig().getHttp2ProtocolOptions().getConnectionKeepalive();
    assertEquals(15, ping.getInterval().getSeconds());
    assertEquals(5, ping.getTimeout().getSeconds());
    assertFalse(c.hasTransportSocket(), "plaintext unless LLMXDS_TLS_CA is set");
  }

  @Test
  void theOldSingleHostVariableStillWorksAndOneNameMayStandForEveryReplica() throws Exception {
    assertEquals(
        List.of("llm-xds:18000"), hosts(xdsCluster(rendered(env("LLMXDS_HOST", "llm-xds")))));
    assertEquals(List.of("127.0.0.1:18000"), hosts(xdsCluster(rendered(env()))));
  }

  @Test
  void tlsBootstrapTrustsTheCaChecksTheServerNameAndSpeaksH2() throws Exception {
    Bootstrap b =
        rendered(
            env("LLMXDS_HOSTS", "llm-xds-headless", "LLMXDS_TLS_CA", "/etc/llm-xds/tls/ca.pem"));
    UpstreamTlsContext tls = tls(xdsCluster(b));
    assertEquals("llm-xds-headless", tls.getSni(), "SNI defaults to the first host");
    CommonTlsContext common = tls.getCommonTlsContext();
    assertEquals(List.of("h2"), common.getAlpnProtocolsList());
    assertEquals(
        "/etc/llm-xds/tls/ca.pem", common.getValidationContext().getTrustedCa().getFilename());
    SubjectAltNameMatcher san = common.getValidationContext().getMatchTypedSubjectAltNames(0);
    assertEquals(SubjectAltNameMatcher.SanType.DNS, san.getSanType());
    assertEquals("llm-xds-headless", san.getMatcher().getExact());
    assertEquals(
        0, common.getTlsCertificatesCount(), "no client certificate without LLMXDS_TLS_CERT");
  }

  @Test
  void mtlsBootstrapPresentsTheClientCertificate() throws Exception {
    Bootstrap b =
        rendered(
            env(
                "LLMXDS_HOSTS", "10.0.0.7,10.0.0.8",
                "LLMXDS_TLS_CA", "/tls/ca.pem",
                "LLMXDS_TLS_CERT", "/tls/client.pem",
                "LLMXDS_TLS_KEY", "/tls/client.key",
                "LLMXDS_TLS_SERVER_NAME", "llm-xds.llm.svc"));
    Cluster c = xdsCluster(b);
    assertEquals(List.of("10.0.0.7:18000", "10.0.0.8:18000"), hosts(c));
    UpstreamTlsContext tls = tls(c);
    assertEquals("llm-xds.llm.svc", tls.getSni());
    assertEquals(
        "llm-xds.llm.svc",
        tls.getCommonTlsContext()
            .getValidationContext()
            .getMatchTypedSubjectAltNames(0)
            .getMatcher()
            .getExact());
    var cert = tls.getCommonTlsContext().getTlsCertificates(0);
    assertEquals("/tls/client.pem", cert.getCertificateChain().getFilename());
    assertEquals("/tls/client.key", cert.getPrivateKey().getFilename());
  }

  @Test
  void tlsBootstrapIsThePlainOnePlusTheTransportSocket() throws Exception {
    Map<String, String> env = env("LLMXDS_HOSTS", "a,b", "LLMXDS_TLS_CA", "/ca.pem");
    Bootstrap withTls = rendered(env);
    env.remove("LLMXDS_TLS_CA");
    Bootstrap plain = rendered(env);
    Bootstrap.Builder stripped = withTls.toBuilder();
    stripped.getStaticResourcesBuilder().getClustersBuilder(0).clearTransportSocket();
    assertTrue(withTls.getStaticResources().getClusters(0).hasTransportSocket());
    assertEquals(plain, stripped.build(), "the two bootstraps have drifted apart");
  }

  @Test
  void runScriptRefusesIncompleteTlsSettingsAndBadHostEntries() throws Exception {
    for (Map<String, String> bad :
        List.of(
            env("LLMXDS_TLS_CA", "/ca.pem", "LLMXDS_TLS_CERT", "/client.pem"),
            env("LLMXDS_TLS_CERT", "/client.pem", "LLMXDS_TLS_KEY", "/client.key"),
            env("LLMXDS_HOSTS", "llm-xds:port"),
            env("LLMXDS_HOSTS", " , "))) {
      EnvoyBootstraps.Rendered r = EnvoyBootstraps.render(bad);
      assertEquals(2, r.exitCode(), bad + " -> " + r.stdout());
      assertTrue(r.stderr().startsWith("run-envoy.sh: "), r.stderr());
    }
  }
}
