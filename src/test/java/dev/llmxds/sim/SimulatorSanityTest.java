package dev.llmxds.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.WeightsConfig;
import dev.llmxds.sim.report.Result;
import dev.llmxds.sim.workload.Workload;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The simulator's own sanity checks (short runs; the benchmark runs them long). */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SimulatorSanityTest {
  private static final double DURATION = 240;

  @Test
  void withOneProxyEnvoyLeastRequestMatchesNginxLeastConn() {
    Scenario one =
        Scenario.flat(
            "one proxy", List.of(1.0, 1.0, 1.0, 1.0), 0.8, Workload.Mix.CHAT, 1, DURATION);
    Simulator sim = new Simulator(one, 7, WeightsConfig.DEFAULT);
    Result lr = sim.run(Simulator.Kind.SIDECAR_LEAST_REQUEST);
    Result nginx = sim.run(Simulator.Kind.NGINX_LEAST_CONN);
    assertTrue(Math.abs(lr.e2eP99() / nginx.e2eP99() - 1) < 0.1, lr + " vs " + nginx);
    assertTrue(lr.ttftP99() / nginx.ttftP99() < 1.5, lr + " vs " + nginx);
    assertTrue(Math.abs(lr.throughput() / nginx.throughput() - 1) < 0.02);
  }

  @Test
  void theOracleIsNeverBeatenByMoreThanNoise() {
    for (Scenario s : Scenario.all(DURATION)) {
      Simulator sim = new Simulator(s, 11, WeightsConfig.DEFAULT);
      Map<Simulator.Kind, Result> results = new EnumMap<>(Simulator.Kind.class);
      for (Simulator.Kind k : Simulator.Kind.values()) {
        results.put(k, sim.run(k));
      }
      double oracle = results.get(Simulator.Kind.ORACLE).ttftP99();
      for (Result r : results.values()) {
        assertTrue(
            oracle <= 1.15 * r.ttftP99(), s.name() + ": " + r + " beats the oracle " + oracle);
      }
    }
  }

  /**
   * With the vLLM V1 engine model (256 sequences, on-demand KV, chunked prefill) a slower GPU takes
   * its extra in-flight requests into its batch instead of queueing them, and per-sidecar least
   * request already sends it fewer: llm-xds gains ~6 % in TTFT p99 here (seed 42), not the 2× the
   * earlier model (32 sequences, whole-request KV reservation) showed. This checks it is not worse.
   */
  @Test
  void llmXdsIsNoWorseThanPerSidecarLeastRequestOnTheHeterogeneousFleet() {
    Scenario mixed = Scenario.all(DURATION).get(1);
    Simulator sim = new Simulator(mixed, 42, WeightsConfig.DEFAULT);
    Result lr = sim.run(Simulator.Kind.SIDECAR_LEAST_REQUEST);
    Result llmXds = sim.run(Simulator.Kind.LLM_XDS);
    assertTrue(lr.ttftP99() / llmXds.ttftP99() >= 1, llmXds + " vs " + lr);
    assertTrue(llmXds.weightUpdatesPerSecond() <= 1.0, "at most one weight publication a second");
  }
}
