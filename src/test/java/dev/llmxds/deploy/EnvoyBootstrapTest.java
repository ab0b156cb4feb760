package dev.llmxds.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every Envoy bootstrap parses into Envoy's Bootstrap proto: a typo fails the build. */
class EnvoyBootstrapTest {
  /** Fills the placeholders the way envoy/run-envoy.sh does. */
  static String filled(Path file, Map<String, String> env) throws Exception {
    String yaml = Files.readString(file);
    for (Map.Entry<String, String> e : env.entrySet()) {
      String value =
          e.getKey().equals("ENVOY_REGION") || e.getKey().equals("ENVOY_ZONE")
              ? "\"" + e.getValue() + "\""
              : e.getValue();
      yaml = yaml.replace("${" + e.getKey() + "}", value);
    }
    return yaml;
  }

  static Bootstrap parse(String yaml) throws Exception {
    String json = new ObjectMapper().writeValueAsString(new YAMLMapper().readTree(yaml));
    Bootstrap.Builder b = Bootstrap.newBuilder();
    JsonFormat.parser()
        .usingTypeRegistry(
            JsonFormat.TypeRegistry.newBuilder().add(HttpProtocolOptions.getDescriptor()).build())
        .merge(json, b);
    return b.build();
  }

  @Test
  void sidecarBootstrapParsesWithNodeLocalityAndAds() throws Exception {
    String yaml =
        filled(
            Path.of("envoy/bootstrap.yaml"),
            Map.of(
                "ENVOY_NODE_ID", "envoy-1",
                "ENVOY_CLUSTER", "llm-xds-sidecar",
                "ENVOY_REGION", "us-east",
                "ENVOY_ZONE", "us-east-1a",
                "ENVOY_ADMIN_ADDRESS", "127.0.0.1",
                "LLMXDS_HOST", "llm-xds",
                "LLMXDS_PORT", "18000"));
    assertTrue(
        !java.util.regex.Pattern.compile("\\$\\{[A-Z_]+}").matcher(yaml).find(),
        "every placeholder is filled by run-envoy.sh");
    Bootstrap b = parse(yaml);
    assertEquals("envoy-1", b.getNode().getId());
    assertEquals("us-east-1a", b.getNode().getLocality().getZone());
    assertEquals(9901, b.getAdmin().getAddress().getSocketAddress().getPortValue());
    assertEquals(
        "llm_xds",
        b.getDynamicResources().getAdsConfig().getGrpcServices(0).getEnvoyGrpc().getClusterName());
    assertTrue(b.getDynamicResources().getCdsConfig().hasAds());
    assertTrue(b.getDynamicResources().getLdsConfig().hasAds());
    var cluster = b.getStaticResources().getClusters(0);
    assertEquals(
        18000,
        cluster
            .getLoadAssignment()
            .getEndpoints(0)
            .getLbEndpoints(0)
            .getEndpoint()
            .getAddress()
            .getSocketAddress()
            .getPortValue());
    HttpProtocolOptions h2 =
        cluster
            .getTypedExtensionProtocolOptionsOrThrow(
                "envoy.extensions.upstreams.http.v3.HttpProtocolOptions")
            .unpack(HttpProtocolOptions.class);
    assertTrue(h2.getExplicitHttpConfig().hasHttp2ProtocolOptions(), "ADS needs HTTP/2");
  }

  @Test
  void runScriptFillsEveryPlaceholderOfTheBootstrap() throws Exception {
    String script = Files.readString(Path.of("envoy/run-envoy.sh"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\\$\\{([A-Z_]+)}")
            .matcher(Files.readString(Path.of("envoy/bootstrap.yaml")));
    while (m.find()) {
      assertTrue(script.contains("s|\\${" + m.group(1) + "}|"), "run-envoy.sh fills " + m.group(1));
    }
  }
}
