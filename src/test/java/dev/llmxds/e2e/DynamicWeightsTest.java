package dev.llmxds.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.admin.AdminViews;
import dev.llmxds.app.LlmXds;
import dev.llmxds.demo.EngineModel;
import dev.llmxds.demo.FakeEngine;
import dev.llmxds.fleet.Locality;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.TestServers;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.NodeGroupKey;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fake vLLM engines under different loads → the published ClusterLoadAssignment orders their
 * weights by load within a few scrape intervals (speed held out: speedRange 1); a stopped engine's
 * weight decays to its static weight (× 100), not to 0.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DynamicWeightsTest {
  private static final NodeGroupKey FLAT = new NodeGroupKey(ClientKind.SIDECAR, Locality.NONE);
  @TempDir Path dir;
  private LlmXds server;
  private FakeEngine busy;
  private FakeEngine light;
  private FakeEngine idle;
  private FakeEngine fast;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
    for (FakeEngine e : new FakeEngine[] {busy, light, idle, fast}) {
      if (e != null) {
        e.close();
      }
    }
  }

  /** Published endpoint weight by port, as a flat-view node receives it. */
  private Map<Integer, Integer> weights() {
    Map<Integer, Integer> out = new TreeMap<>();
    var cla = server.published().groups().get(FLAT).resources().loadAssignments().get(0);
    for (var group : cla.getEndpointsList()) {
      for (LbEndpoint e : group.getLbEndpointsList()) {
        out.put(
            e.getEndpoint().getAddress().getSocketAddress().getPortValue(),
            e.getLoadBalancingWeight().getValue());
      }
    }
    return out;
  }

  @Test
  void weightsFollowEngineLoadAndAStoppedEngineDecaysToItsStaticWeight() {
    EngineModel.Spec spec = new EngineModel.Spec(4, 8192, 16, 1 << 16, 5, 0.04, 0.00004, 1.0);
    busy = new FakeEngine("llama", spec, "127.0.0.1", 0);
    light = new FakeEngine("llama", spec, "127.0.0.1", 0);
    idle = new FakeEngine("llama", spec, "127.0.0.1", 0);
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(
        fleet,
        """
        services:
          - name: llama
            endpoints:
              - {address: 127.0.0.1, port: %d, weight: 2, engine: vllm}
              - {address: 127.0.0.1, port: %d, weight: 2, engine: vllm}
              - {address: 127.0.0.1, port: %d, weight: 2}
        """
            .formatted(busy.port(), light.port(), idle.port()));
    server =
        TestServers.start(
            TestServers.config(
                fleet,
                """
                load: {interval: 100ms, timeout: 500ms}
                weights: {publishInterval: 200ms, smoothing: 200ms, staleAfter: 500ms, staleHalfLife: 300ms, speedRange: 1, deadband: 0.1}
                """));
    // deadband 0.1: a grid of 2^(1/7) steps; with the default 2^(1/3) grid and its hysteresis a
    // light engine (congestion 1.62) may stay on the idle engine's step (2.0), by design
    server.nodeGroups().acquire(FLAT); // a flat-view node, held for the test
    Await.until(
        Duration.ofSeconds(10),
        () -> server.published().groups().containsKey(FLAT),
        "the flat view published");

    for (int i = 0; i < 40; i++) {
      busy.submit(50, 100_000); // 4 running, 36 waiting for a long time
    }
    for (int i = 0; i < 4; i++) {
      light.submit(50, 100_000); // a full batch, nothing waiting
    }
    Await.until(
        Duration.ofSeconds(10),
        () -> {
          Map<Integer, Integer> w = weights();
          return w.get(idle.port()) > w.get(light.port())
              && w.get(light.port()) > w.get(busy.port());
        },
        () -> "weights ordered idle > light > busy: " + weights());
    Map<Integer, Integer> w = weights();
    assertEquals(400, w.get(idle.port()), "idle: static 2 × factor 2 × 100");
    assertTrue(w.get(busy.port()) >= 2, "a busy engine keeps a weight: " + w);

    busy.close();
    Await.until(
        Duration.ofSeconds(15),
        () -> weights().get(busy.port()) == 200,
        () -> "stopped engine decays to its static weight (200): " + weights());
    assertTrue(server.load("llama", "127.0.0.1:" + busy.port()).lastError() != null);
  }

  @Test
  void sameQueueDifferentSpeedsGetWeightsInTheRatioOfTheirSpeeds() {
    // no attention cost, so a step's time depends on the batch and the GPU's speed only
    EngineModel.Spec spec = new EngineModel.Spec(8, 8192, 16, 1 << 16, 20, 0.04, 0, 1.0);
    idle = new FakeEngine("llama", spec.withSpeed(0.5), "127.0.0.1", 0); // the slow one
    light = new FakeEngine("llama", spec, "127.0.0.1", 0);
    fast = new FakeEngine("llama", spec.withSpeed(2.0), "127.0.0.1", 0);
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(
        fleet,
        """
        services:
          - name: llama
            endpoints:
              - {address: 127.0.0.1, port: %d, weight: 1, engine: vllm}
              - {address: 127.0.0.1, port: %d, weight: 1, engine: vllm}
              - {address: 127.0.0.1, port: %d, weight: 1, engine: vllm}
        """
            .formatted(idle.port(), light.port(), fast.port()));
    server =
        TestServers.start(
            TestServers.config(
                fleet,
                """
                load: {interval: 200ms, timeout: 500ms}
                weights: {publishInterval: 200ms, speedSmoothing: 1s, deadband: 0.02}
                """));
    server.nodeGroups().acquire(FLAT); // a flat-view node, held for the test
    Await.until(
        Duration.ofSeconds(10),
        () -> server.published().groups().containsKey(FLAT),
        "the flat view published");
    for (FakeEngine e : new FakeEngine[] {idle, light, fast}) {
      for (int i = 0; i < 8; i++) {
        e.submit(50, 1_000_000); // the same full batch of 8 on each, nothing waiting
      }
    }
    Await.until(
        Duration.ofSeconds(20),
        () -> {
          Map<Integer, Integer> w = weights();
          double fastToReference = (double) w.get(fast.port()) / w.get(light.port());
          double referenceToSlow = (double) w.get(light.port()) / w.get(idle.port());
          return Math.abs(fastToReference / 2 - 1) <= 0.15
              && Math.abs(referenceToSlow / 2 - 1) <= 0.15;
        },
        () -> "weights of the 0.5x, 1x and 2x GPUs in the ratio 1:2:4 within 15 %: " + weights());
    var shown = new TreeMap<Integer, Double>();
    new AdminViews(server)
        .fleet().getServices(0).getEndpointsList().stream()
            .filter(e -> e.getLoad().hasDecodeTokensPerSecond())
            .forEach(e -> shown.put(e.getPort(), e.getLoad().getDecodeTokensPerSecond()));
    assertEquals(3, shown.size(), "the admin view shows each engine's decode rate: " + shown);
    assertTrue(
        shown.get(fast.port()) > shown.get(idle.port()), "faster GPU, higher rate: " + shown);
  }
}
