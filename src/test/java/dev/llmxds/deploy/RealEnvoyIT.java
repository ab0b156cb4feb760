package dev.llmxds.deploy;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.MountableFile;

/**
 * Real Envoy, started with envoy/bootstrap.yaml against llm-xds, shows llm-xds's cluster and
 * endpoints on its admin /clusters. Runs wherever Docker exists; skipped, not failed, elsewhere.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RealEnvoyIT {
  @TempDir Path dir;

  @Test
  void envoyReceivesClustersAndEndpointsFromLlmXds() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        DockerClientFactory.instance().isDockerAvailable(),
        "Docker is not available: real Envoy test skipped");
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(
        fleet,
        FleetFiles.yaml("llama", List.of(Entry.of(8001, "r1", "a"), Entry.of(8002, "r1", "b"))));
    try (LlmXds server =
        TestServers.start(
            TestServers.config(fleet, "{host: 0.0.0.0, port: 0}", "load: {enabled: false}"))) {
      org.testcontainers.Testcontainers.exposeHostPorts(server.xdsPort());
      Path bootstrap = dir.resolve("bootstrap.yaml");
      Files.writeString(
          bootstrap,
          EnvoyBootstraps.render(
                  Map.of(
                      "ENVOY_NODE_ID", "envoy-it",
                      "ENVOY_CLUSTER", "llm-xds-sidecar",
                      "ENVOY_REGION", "r1",
                      "ENVOY_ZONE", "a",
                      "ENVOY_ADMIN_ADDRESS", "0.0.0.0",
                      "LLMXDS_HOSTS", "host.testcontainers.internal:" + server.xdsPort()))
              .yaml());
      try (GenericContainer<?> envoy =
          new GenericContainer<>("envoyproxy/envoy:v1.32-latest")
              .withCopyFileToContainer(
                  MountableFile.forHostPath(bootstrap), "/etc/envoy/llm-xds.yaml")
              .withCommand("envoy", "-c", "/etc/envoy/llm-xds.yaml")
              .withExposedPorts(9901)) {
        envoy.start();
        URI clusters =
            URI.create("http://" + envoy.getHost() + ":" + envoy.getMappedPort(9901) + "/clusters");
        HttpClient http = HttpClient.newHttpClient();
        Await.until(
            Duration.ofSeconds(60),
            () -> {
              try {
                String body =
                    http.send(
                            HttpRequest.newBuilder(clusters).build(),
                            HttpResponse.BodyHandlers.ofString())
                        .body();
                return body.contains("llama::127.0.0.1:8001::health_flags::healthy")
                    && body.contains("llama::127.0.0.1:8002::");
              } catch (Exception e) {
                return false;
              }
            },
            "Envoy's /clusters lists llm-xds's endpoints");
        assertTrue(server.streams().totalNacks() == 0, "Envoy accepted every resource");
      }
    }
  }
}
