package dev.llmxds.app;

import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.demo.EngineModel;
import dev.llmxds.demo.FakeEngine;
import dev.llmxds.demo.LoadGenerator;
import dev.llmxds.fleet.Locality;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.NodeGroupKey;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A whole llm-xds on one machine: fake vLLM engines of mixed speeds in three zones of two regions,
 * a fleet file naming them, llm-xds watching it, and a load generator routing by the published
 * weights. Everything listens on loopback.
 */
public final class Demo implements AutoCloseable {
  /** One simulated GPU server. */
  public record Gpu(String name, String region, String zone, double speed, int weight) {}

  public static final List<Gpu> FLEET =
      List.of(
          new Gpu("h100-a", "us-east", "us-east-1a", 2.0, 2),
          new Gpu("a100-a", "us-east", "us-east-1a", 1.0, 1),
          new Gpu("a100-b1", "us-east", "us-east-1b", 1.0, 1),
          new Gpu("l40s-b2", "us-east", "us-east-1b", 0.6, 1),
          new Gpu("a100-c1", "eu-west", "eu-west-1a", 1.0, 1),
          new Gpu("a10-c2", "eu-west", "eu-west-1a", 0.4, 1));

  public static final String MODEL = "meta-llama/Llama-3.1-8B-Instruct";
  private static final NodeGroupKey FLAT = new NodeGroupKey(ClientKind.SIDECAR, Locality.NONE);

  private final List<FakeEngine> engines = new ArrayList<>();
  private final Path fleetFile;
  private final LlmXds server;
  private final LoadGenerator load;

  private Demo(int xdsPort, int adminPort, double requestsPerSecond) throws IOException {
    for (Gpu gpu : FLEET) {
      engines.add(
          new FakeEngine(MODEL, EngineModel.Spec.DEFAULT.withSpeed(gpu.speed()), "127.0.0.1", 0));
    }
    Path dir = Files.createTempDirectory("llm-xds-demo");
    fleetFile = dir.resolve("fleet.yaml");
    StringBuilder yaml =
        new StringBuilder(
            "services:\n  - name: llama-3-8b\n    models: ["
                + MODEL
                + ", llama-3-8b]\n    endpoints:\n");
    for (int i = 0; i < FLEET.size(); i++) {
      Gpu gpu = FLEET.get(i);
      yaml.append(
          "      - {address: 127.0.0.1, port: %d, region: %s, zone: %s, weight: %d, engine: vllm}  # %s, speed %.1f\n"
              .formatted(
                  engines.get(i).port(),
                  gpu.region(),
                  gpu.zone(),
                  gpu.weight(),
                  gpu.name(),
                  gpu.speed()));
    }
    Files.writeString(fleetFile, yaml.toString());
    LlmXdsConfig config =
        ConfigLoader.parse(
            """
            xds: {host: 127.0.0.1, port: %d}
            admin: {host: 127.0.0.1, port: %d}
            discovery: {file: {path: %s}}
            """
                .formatted(xdsPort, adminPort, fleetFile),
            dir);
    server = LlmXds.start(config, Clock.systemUTC());
    server.nodeGroups().acquire(FLAT); // held for the demo's life: its weights are read from it
    load = new LoadGenerator(this::flatWeights, requestsPerSecond).start();
  }

  public static Demo start(int xdsPort, int adminPort, double requestsPerSecond)
      throws IOException {
    return new Demo(xdsPort, adminPort, requestsPerSecond);
  }

  /** Weights a node without a locality receives, by engine port (HEALTHY and DEGRADED only). */
  Map<Integer, Integer> flatWeights() {
    Map<Integer, Integer> out = new TreeMap<>();
    var published = server.published().groups().get(FLAT);
    if (published == null || published.resources().loadAssignments().isEmpty()) {
      return out;
    }
    for (LocalityLbEndpoints group :
        published.resources().loadAssignments().get(0).getEndpointsList()) {
      for (LbEndpoint e : group.getLbEndpointsList()) {
        var h = e.getHealthStatus();
        if (h == io.envoyproxy.envoy.config.core.v3.HealthStatus.HEALTHY
            || h == io.envoyproxy.envoy.config.core.v3.HealthStatus.DEGRADED) {
          out.put(
              e.getEndpoint().getAddress().getSocketAddress().getPortValue(),
              e.getLoadBalancingWeight().getValue());
        }
      }
    }
    return out;
  }

  public LlmXds server() {
    return server;
  }

  public Path fleetFile() {
    return fleetFile;
  }

  public List<FakeEngine> engines() {
    return List.copyOf(engines);
  }

  public LoadGenerator load() {
    return load;
  }

  @Override
  public void close() {
    load.close();
    server.close();
    engines.forEach(FakeEngine::close);
  }
}
