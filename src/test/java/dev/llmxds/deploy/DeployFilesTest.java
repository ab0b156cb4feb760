package dev.llmxds.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import io.grpc.internal.JsonParser;
import io.grpc.xds.InternalGrpcBootstrapperImpl;
import io.grpc.xds.client.Bootstrapper.BootstrapInfo;
import io.grpc.xds.client.Bootstrapper.ServerInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

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

  private static JsonNode kind(List<JsonNode> docs, String kind, String name) {
    return docs.stream()
        .filter(d -> d.path("kind").asText().equals(kind))
        .filter(d -> d.path("metadata").path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  @Test
  void kubernetesSpreadsReplicasKeepsOneThroughDisruptionsAndListsEveryReplicaInDns()
      throws Exception {
    List<JsonNode> docs = documents(Path.of("deploy/kubernetes/llm-xds.yaml"));
    JsonNode deployment = kind(docs, "Deployment", "llm-xds");
    JsonNode podLabels = deployment.path("spec").path("template").path("metadata").path("labels");
    JsonNode selector = deployment.path("spec").path("selector").path("matchLabels");
    assertEquals(selector, podLabels);
    assertEquals(
        0,
        deployment
            .path("spec")
            .path("strategy")
            .path("rollingUpdate")
            .path("maxUnavailable")
            .asInt(),
        "a rollout never drops below the replica count");

    JsonNode antiAffinity =
        deployment
            .path("spec")
            .path("template")
            .path("spec")
            .path("affinity")
            .path("podAntiAffinity");
    Set<String> spreadOver = new HashSet<>();
    for (JsonNode term : antiAffinity.path("preferredDuringSchedulingIgnoredDuringExecution")) {
      JsonNode t = term.path("podAffinityTerm");
      assertEquals(selector, t.path("labelSelector").path("matchLabels"), "repels its own pods");
      spreadOver.add(t.path("topologyKey").asText());
    }
    assertTrue(spreadOver.contains("kubernetes.io/hostname"), "replicas on different nodes");

    JsonNode pdb = kind(docs, "PodDisruptionBudget", "llm-xds");
    assertEquals("policy/v1", pdb.path("apiVersion").asText());
    assertEquals(selector, pdb.path("spec").path("selector").path("matchLabels"));
    int minAvailable = pdb.path("spec").path("minAvailable").asInt();
    assertTrue(
        minAvailable >= 1 && minAvailable < deployment.path("spec").path("replicas").asInt(),
        "keeps one replica and still lets a node drain: " + minAvailable);

    JsonNode headless = kind(docs, "Service", "llm-xds-headless");
    assertEquals("None", headless.path("spec").path("clusterIP").asText(), "headless");
    assertEquals(selector, headless.path("spec").path("selector"));
    JsonNode port = headless.path("spec").path("ports").get(0);
    assertEquals(18000, port.path("port").asInt());
    Set<String> containerPorts = new HashSet<>();
    deployment
        .path("spec")
        .path("template")
        .path("spec")
        .path("containers")
        .get(0)
        .path("ports")
        .forEach(p -> containerPorts.add(p.path("name").asText()));
    assertTrue(containerPorts.contains(port.path("targetPort").asText()), "targets the xDS port");
  }

  /**
   * The compose file with merge keys ({@code <<: *anchor}) resolved, as docker compose reads it.
   */
  @SuppressWarnings("unchecked")
  private static Map<String, Map<String, Object>> composeServices() throws Exception {
    Map<String, Object> compose =
        new Yaml().load(Files.readString(Path.of("deploy/docker-compose.yml")));
    return (Map<String, Map<String, Object>>) compose.get("services");
  }

  /** The names a compose service answers to on the default network: its own and its aliases. */
  @SuppressWarnings("unchecked")
  private static Set<String> dnsNames(String service, Map<String, Object> def) {
    Set<String> names = new TreeSet<>(List.of(service));
    Object networks = def.get("networks");
    if (networks instanceof Map<?, ?> m && m.get("default") instanceof Map<?, ?> d) {
      Object aliases = d.get("aliases");
      if (aliases instanceof List<?> l) {
        names.addAll((List<String>) l);
      }
    }
    return names;
  }

  /** The llm-xds replicas a host name reaches in compose (a name shared by several reaches all). */
  private static Set<String> replicasNamed(String host, Map<String, Map<String, Object>> services) {
    Set<String> replicas = new TreeSet<>();
    services.forEach(
        (name, def) -> {
          if (name.startsWith("llm-xds-") && dnsNames(name, def).contains(host)) {
            replicas.add(name);
          }
        });
    return replicas;
  }

  @Test
  @SuppressWarnings("unchecked")
  void everyComposeEnvoyReachesBothReplicas() throws Exception {
    Map<String, Map<String, Object>> services = composeServices();
    for (String replica : List.of("llm-xds-1", "llm-xds-2")) {
      assertTrue(
          dnsNames(replica, services.get(replica)).contains("llm-xds"),
          replica + " answers to the shared name llm-xds");
    }
    for (String envoy : List.of("envoy-a", "envoy-b")) {
      Map<String, Object> env = (Map<String, Object>) services.get(envoy).get("environment");
      assertTrue(!env.containsKey("LLMXDS_HOST"), envoy + " is not pinned to one replica");
      Set<String> reached = new TreeSet<>();
      for (String entry : String.valueOf(env.get("LLMXDS_HOSTS")).split("[,\\s]+")) {
        reached.addAll(replicasNamed(entry.replaceFirst(":\\d+$", ""), services));
      }
      assertEquals(Set.of("llm-xds-1", "llm-xds-2"), reached, envoy + " reaches both replicas");
      List<String> dependsOn = (List<String>) services.get(envoy).get("depends_on");
      assertTrue(
          dependsOn.containsAll(List.of("llm-xds-1", "llm-xds-2")), envoy + " waits for both");
    }
  }

  private static BootstrapInfo grpcBootstrap(String file) throws Exception {
    @SuppressWarnings("unchecked")
    Map<String, ?> json = (Map<String, ?>) JsonParser.parse(Files.readString(Path.of(file)));
    return InternalGrpcBootstrapperImpl.parseBootstrap(json);
  }

  @Test
  void grpcBootstrapsListEveryReplicaFirstTheNameThatReachesAllThenEachReplica() throws Exception {
    Map<String, Map<String, Object>> services = composeServices();
    for (String file :
        List.of("deploy/grpc/xds-bootstrap.json", "deploy/grpc/xds-bootstrap-mtls.json")) {
      // grpc-java's own bootstrap parser (GRPC_EXPERIMENTAL_XDS_FALLBACK is on by default in
      // 1.81: every server is kept, in order)
      BootstrapInfo info = grpcBootstrap(file);
      List<String> targets = info.servers().stream().map(ServerInfo::target).toList();
      assertTrue(targets.size() >= 2, file + ": several xds_servers " + targets);
      assertEquals(targets.size(), Set.copyOf(targets).size(), file + ": no server twice");
      assertEquals("us-east-1a", info.node().toEnvoyProtoNode().getLocality().getZone());
      List<Set<String>> reached = new ArrayList<>();
      for (String target : targets) {
        reached.add(
            replicasNamed(
                target.replaceFirst("^dns:///", "").replaceFirst(":18000$", ""), services));
      }
      assertEquals(
          Set.of("llm-xds-1", "llm-xds-2"),
          reached.get(0),
          file + ": the first server (the only one grpc-js uses) reaches every replica");
      for (Set<String> r : reached) {
        assertTrue(!r.isEmpty(), file + ": every server is an llm-xds replica: " + targets);
      }
    }
  }

  @Test
  void mtlsGrpcBootstrapGivesEveryServerTheCaAndTheClientCertificate() throws Exception {
    JsonNode bootstrap =
        new com.fasterxml.jackson.databind.ObjectMapper()
            .readTree(Path.of("deploy/grpc/xds-bootstrap-mtls.json").toFile());
    for (JsonNode server : bootstrap.path("xds_servers")) {
      JsonNode creds = server.path("channel_creds");
      assertEquals(1, creds.size(), "tls only: no silent plaintext fallback");
      assertEquals("tls", creds.get(0).path("type").asText());
      JsonNode config = creds.get(0).path("config");
      for (String field : List.of("ca_certificate_file", "certificate_file", "private_key_file")) {
        assertTrue(config.path(field).asText().startsWith("/"), field + " of " + server);
      }
    }
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
