package dev.llmxds.sim;

import dev.llmxds.config.WeightsConfig;
import dev.llmxds.sim.report.Plot;
import dev.llmxds.sim.report.Result;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The routing comparison: every policy on every scenario, one table per scenario, and a PNG of TTFT
 * p99.
 *
 * <pre>mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.llmxds.sim.RoutingBenchmark [-Dexec.args="600 42"]</pre>
 *
 * Arguments: simulated seconds per run (default 600), seed (default 42).
 */
public final class RoutingBenchmark {
  public static void main(String[] args) throws Exception {
    double duration = args.length > 0 ? Double.parseDouble(args[0]) : 600;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 42;
    Map<String, List<Result>> all = new LinkedHashMap<>();
    for (Scenario scenario : Scenario.all(duration)) {
      long started = System.nanoTime();
      List<Result> results = new ArrayList<>();
      for (Simulator.Kind kind : Simulator.Kind.values()) {
        results.add(new Simulator(scenario, seed, WeightsConfig.DEFAULT).run(kind));
      }
      all.put(scenario.name(), results);
      print(scenario, results, (System.nanoTime() - started) / 1e9);
    }
    Path png = Path.of("bench", "results", "routing-ttft-p99.png");
    Plot.ttftP99(all, png);
    System.out.println("plot: " + png);
  }

  static void print(Scenario scenario, List<Result> results, double seconds) {
    Result oracle = results.get(results.size() - 1);
    Result lr =
        results.stream()
            .filter(r -> r.policy().startsWith("Envoy least"))
            .findFirst()
            .orElseThrow();
    System.out.printf(
        Locale.ROOT,
        "%n### %s (%.0f s simulated, 8 sidecars, %d GPUs; ran in %.1f s)%n%n",
        scenario.name(),
        scenario.duration(),
        scenario.speeds().size(),
        seconds);
    System.out.println(
        "| policy | TTFT p50 | TTFT p99 | E2E p99 | throughput | in-flight max/min | weight updates/s | p99 TTFT vs oracle | vs sidecar LR |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Result r : results) {
      System.out.printf(
          Locale.ROOT,
          "| %s | %.3f s | %.3f s | %.2f s | %.1f req/s | %.2f | %.2f | %.2fx | %.2fx |%n",
          r.policy(),
          r.ttftP50(),
          r.ttftP99(),
          r.e2eP99(),
          r.throughput(),
          r.imbalance(),
          r.weightUpdatesPerSecond(),
          r.ttftP99() / oracle.ttftP99(),
          lr.ttftP99() / r.ttftP99());
    }
  }
}
