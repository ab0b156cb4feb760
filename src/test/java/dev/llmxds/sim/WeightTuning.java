package dev.llmxds.sim;

import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.sim.report.Result;
import dev.llmxds.sim.report.Summary;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Sweeps llm-xds settings through the simulator: for each setting (a YAML fragment of the server's
 * configuration, e.g. {@code "{weights: {deadband: 0.2}, cluster: {leastRequest:
 * {activeRequestBias: 2}}}"}), llm-xds's TTFT p99 relative to the oracle per scenario (mean over
 * seeds) and its weight publications per second. How the defaults were chosen.
 *
 * <pre>mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.llmxds.sim.WeightTuning -Dexec.args="300 4 '{}' '{weights: {deadband: 0.2}}'"
 * </pre>
 */
public final class WeightTuning {
  public static void main(String[] args) throws Exception {
    SimSettings base = SimSettings.fromArgs(args);
    int seeds = base.seeds();
    List<Scenario> scenarios = Scenario.all(base.duration());
    ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    try {
      StringBuilder head = new StringBuilder(String.format(Locale.ROOT, "%-60s", "setting"));
      for (int i = 0; i < scenarios.size(); i++) {
        head.append(String.format(Locale.ROOT, " %10s", "s" + i));
      }
      System.out.println(head.append("   worst  pubs/s(max)"));
      for (int i = 2; i < args.length; i++) {
        LlmXdsConfig config = ConfigLoader.parse(args[i], null);
        SimSettings settings = base.withLlmXds(config.weights(), config.cluster());
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-60s", args[i]));
        double worst = 0;
        double pubs = 0;
        for (Scenario s : scenarios) {
          List<Future<Result[]>> runs = new ArrayList<>();
          for (int seed = 1; seed <= seeds; seed++) {
            long sd = seed;
            runs.add(
                pool.submit(
                    () -> {
                      Simulator sim = new Simulator(s, sd, settings);
                      return new Result[] {
                        sim.run(Simulator.Kind.LLM_XDS), sim.run(Simulator.Kind.ORACLE)
                      };
                    }));
          }
          double[] ratio = new double[seeds];
          double[] p = new double[seeds];
          for (int k = 0; k < seeds; k++) {
            Result[] r = runs.get(k).get();
            ratio[k] = r[0].ttftP99() / r[1].ttftP99();
            p[k] = r[0].weightUpdatesPerSecond();
          }
          double mean = Summary.of(ratio).mean();
          worst = Math.max(worst, mean);
          pubs = Math.max(pubs, Summary.of(p).mean());
          line.append(String.format(Locale.ROOT, " %5.2f/%4.2f", mean, Summary.of(p).mean()));
        }
        System.out.println(line.append(String.format(Locale.ROOT, "   %5.2f  %5.2f", worst, pubs)));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
