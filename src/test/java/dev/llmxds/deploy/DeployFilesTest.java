package dev.llmxds.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The deploy files parse, and say what they should (replicas, probes, ports, a valid config). */
class DeployFilesTest {
  private static List<JsonNode> documents(Path file) throws Exception {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        new YAMLMapper().readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          docs.add(n);
        }
      }
    }
    return docs;
  }

  @Test
  void everyYamlFileParses() throws Exception {
    try (Stream<Path> files = Files.walk(Path.of("deploy"))) {
      List<Path> yaml =
          files
              .filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .toList();
      assertTrue(yaml.size() >= 4, yaml.toString());
      for (Path p : yaml) {
        assertTrue(!documents(p).isEmpty(), p + " has content");
      }
    }
  }

  @Test
  void kubernetesDeploymentHasTwoReplicasAndHealthProbes() throws Exception {
    List<JsonNode> docs = documents(Path.of("deploy/kubernetes/llm-xds.yaml"));
    JsonNode deployment =
        docs.stream()
            .filter(d -> d.path("kind").asText().equals("Deployment"))
            .findFirst()
            .orElseThrow();
    assertEquals(2, deployment.path("spec").path("replicas").asInt());
    JsonNode container =
        deployment.path("spec").path("template").path("spec").path("containers").get(0);
    assertEquals("/healthz", container.path("livenessProbe").path("httpGet").path("path").asText());
    assertEquals("/readyz", container.path("readinessProbe").path("httpGet").path("path").asText());
    assertTrue(docs.stream().anyMatch(d -> d.path("kind").asText().equals("Service")));
    JsonNode configMap =
        docs.stream()
            .filter(d -> d.path("kind").asText().equals("ConfigMap"))
            .findFirst()
            .orElseThrow();
    LlmXdsConfig config =
        ConfigLoader.parse(configMap.path("data").path("llm-xds.yaml").asText(), null);
    assertEquals("consul", config.discovery().source());
    assertEquals(9902, config.admin().port());
  }

  @Test
  void composeRunsConsulTwoReplicasEnvoysInTwoZonesAndRegisteredEngines() throws Exception {
    JsonNode services = documents(Path.of("deploy/docker-compose.yml")).get(0).path("services");
    for (String s :
        List.of(
            "consul",
            "llm-xds-1",
            "llm-xds-2",
            "envoy-a",
            "envoy-b",
            "engine-a1",
            "engine-b1",
            "prometheus")) {
      assertTrue(services.has(s), "compose has " + s);
    }
    assertEquals(
        "us-east-1a", services.path("envoy-a").path("environment").path("ENVOY_ZONE").asText());
    assertEquals(
        "us-east-1b", services.path("envoy-b").path("environment").path("ENVOY_ZONE").asText());
    LlmXdsConfig config = ConfigLoader.load(Path.of("deploy/llm-xds.yaml"));
    assertEquals("0.0.0.0", config.admin().host());
    assertTrue(
        Files.readString(Path.of("deploy/Dockerfile")).contains("USER llmxds"), "runs as non-root");
  }

  @Test
  void prometheusScrapesTheAdminPort() throws Exception {
    JsonNode prom = documents(Path.of("deploy/prometheus.yml")).get(0);
    assertEquals("llm-xds", prom.path("scrape_configs").get(0).path("job_name").asText());
    assertTrue(
        prom.path("scrape_configs")
            .get(0)
            .path("static_configs")
            .get(0)
            .path("targets")
            .get(0)
            .asText()
            .endsWith(":9902"));
  }
}
