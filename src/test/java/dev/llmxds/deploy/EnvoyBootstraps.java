package dev.llmxds.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.envoyproxy.envoy.extensions.upstreams.http.v3.HttpProtocolOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The shipped Envoy bootstraps as Envoy gets them: filled by {@code envoy/run-envoy.sh --print}
 * itself (the script the compose file and the README run), then parsed into Envoy's Bootstrap.
 */
final class EnvoyBootstraps {
  private EnvoyBootstraps() {}

  /** What run-envoy.sh printed and how it exited. */
  record Rendered(int exitCode, String stdout, String stderr) {
    String yaml() {
      if (exitCode != 0) {
        throw new AssertionError("run-envoy.sh failed (" + exitCode + "): " + stderr);
      }
      return stdout;
    }
  }

  /**
   * Runs {@code sh envoy/run-envoy.sh --print} with exactly {@code env} for its LLMXDS_* and
   * ENVOY_* variables (inherited ones are removed, so the machine's environment cannot leak in).
   */
  static Rendered render(Map<String, String> env) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder("sh", "envoy/run-envoy.sh", "--print");
    Map<String, String> penv = pb.environment();
    penv.keySet().removeIf(k -> k.startsWith("LLMXDS_") || k.startsWith("ENVOY_"));
    penv.putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    byte[] err = p.getErrorStream().readAllBytes();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("run-envoy.sh --print did not finish");
    }
    return new Rendered(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  static Bootstrap parse(String yaml) throws IOException {
    String json = new ObjectMapper().writeValueAsString(new YAMLMapper().readTree(yaml));
    Bootstrap.Builder b = Bootstrap.newBuilder();
    JsonFormat.parser()
        .usingTypeRegistry(
            JsonFormat.TypeRegistry.newBuilder()
                .add(HttpProtocolOptions.getDescriptor())
                .add(UpstreamTlsContext.getDescriptor())
                .build())
        .merge(json, b);
    return b.build();
  }
}
