package dev.llmxds.sim;

import dev.llmxds.sim.engine.Capacity;
import dev.llmxds.sim.report.Plot;
import dev.llmxds.sim.report.Result;
import dev.llmxds.sim.report.Summary;
import dev.llmxds.sim.workload.Workload.Mix;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The routing comparison: every policy on every scenario over several seeds (mean ± standard
 * deviation), one table per scenario, then the proxy-count sweep, and a PNG of mean TTFT p99.
 *
 * <pre>mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.llmxds.sim.RoutingBenchmark [-Dexec.args="300 6"]</pre>
 *
 * Arguments: simulated seconds per run (default 300), seeds (default 6; seeds 1..n).
 */
public final class RoutingBenchmark {
  public static void main(String[] args) throws Exception {
    SimSettings settings = SimSettings.fromArgs(args);
    for (Mix mix : Mix.values()) {
      System.out.printf(
          Locale.ROOT,
          "capacity of one reference GPU, %s: %.2f requests/s%n",
          mix,
          Capacity.requestsPerSecond(mix));
    }
    ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    try {
      Map<String, List<Result>> means = new LinkedHashMap<>();
      for (Scenario scenario : Scenario.all(settings.duration())) {
        long started = System.nanoTime();
        Map<Simulator.Kind, List<Result>> results = runAll(pool, scenario, settings);
        print(scenario, settings.seeds(), results, (System.nanoTime() - started) / 1e9);
        List<Result> row = new ArrayList<>();
        results.values().forEach(r -> row.add(Summary.mean(r)));
        means.put(scenario.name(), row);
      }
      for (Scenario scenario : Scenario.sweep(settings.duration())) {
        sweep(pool, scenario, settings);
      }
      Path png = Path.of("bench", "results", "routing-ttft-p99.png");
      Plot.ttftP99(means, png);
      System.out.println("plot: " + png);
    } finally {
      pool.shutdownNow();
    }
  }

  static Map<Simulator.Kind, List<Result>> runAll(
      ExecutorService pool, Scenario scenario, SimSettings settings) throws Exception {
    List<Future<Map<Simulator.Kind, Result>>> futures = new ArrayList<>();
    for (int seed = 1; seed <= settings.seeds(); seed++) {
      long s = seed;
      futures.add(
          pool.submit(
              () -> {
                Map<Simulator.Kind, Result> one = new EnumMap<>(Simulator.Kind.class);
                Simulator simulator = new Simulator(scenario, s, settings);
                for (Simulator.Kind kind : settings.policies()) {
                  one.put(kind, simulator.run(kind));
                }
                return one;
              }));
    }
    Map<Simulator.Kind, List<Result>> out = new EnumMap<>(Simulator.Kind.class);
    for (Future<Map<Simulator.Kind, Result>> f : futures) {
      f.get().forEach((k, r) -> out.computeIfAbsent(k, x -> new ArrayList<>()).add(r));
    }
    return out;
  }

  /** Per-seed ratio of two policies' figure, summarised. */
  static Summary ratio(List<Result> num, List<Result> den) {
    double[] x = new double[num.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = num.get(i).ttftP99() / den.get(i).ttftP99();
    }
    return Summary.of(x);
  }

  static String pm(Summary s, String format) {
    return String.format(Locale.ROOT, format + " ± " + format, s.mean(), s.sd());
  }

  static void print(
      Scenario scenario, int seeds, Map<Simulator.Kind, List<Result>> results, double seconds) {
    List<Result> oracle = results.get(Simulator.Kind.ORACLE);
    List<Result> lr = results.get(Simulator.Kind.SIDECAR_LEAST_REQUEST);
    System.out.printf(
        Locale.ROOT,
        "%n### %s%n%n%.0f s simulated (first %.0f s warm-up), %d sidecars, %d GPUs, %s requests;"
            + " mean ± sd over %d seeds; ran in %.1f s%n%n",
        scenario.name(),
        scenario.duration(),
        scenario.warmup(),
        scenario.sidecarZones().size(),
        scenario.speeds().size(),
        scenario.mix().name().toLowerCase(Locale.ROOT),
        seeds,
        seconds);
    System.out.println(
        "| policy | TTFT p50 (s) | TTFT p99 (s) | E2E p99 (s) | req/s | weight publications/s"
            + " | TTFT p99 / oracle | least request p99 / this |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Map.Entry<Simulator.Kind, List<Result>> e : results.entrySet()) {
      List<Result> r = e.getValue();
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %s | %s | %s | %s | %s | %s |%n",
          r.get(0).policy(),
          pm(Summary.of(r, Result::ttftP50), "%.3f"),
          pm(Summary.of(r, Result::ttftP99), "%.3f"),
          pm(Summary.of(r, Result::e2eP99), "%.2f"),
          pm(Summary.of(r, Result::throughput), "%.1f"),
          pm(Summary.of(r, Result::weightUpdatesPerSecond), "%.2f"),
          pm(ratio(r, oracle), "%.2f") + "x",
          pm(ratio(lr, r), "%.2f") + "x");
    }
  }

  static void sweep(ExecutorService pool, Scenario scenario, SimSettings settings)
      throws Exception {
    System.out.printf(
        Locale.ROOT,
        "%n### Proxy-count sweep: %s%n%nTTFT p99 / oracle, mean ± sd over %d seeds%n%n",
        scenario.name(),
        settings.seeds());
    StringBuilder header = new StringBuilder("| proxies |");
    StringBuilder rule = new StringBuilder("| ---: |");
    for (Simulator.Kind k : settings.policies()) {
      if (k != Simulator.Kind.ORACLE) {
        header.append(' ').append(k.label()).append(" |");
        rule.append(" ---: |");
      }
    }
    System.out.println(header);
    System.out.println(rule);
    for (int proxies : settings.proxies()) {
      Map<Simulator.Kind, List<Result>> results =
          runAll(pool, scenario.withProxies(proxies), settings);
      StringBuilder line = new StringBuilder("| " + proxies + " |");
      for (Map.Entry<Simulator.Kind, List<Result>> e : results.entrySet()) {
        if (e.getKey() != Simulator.Kind.ORACLE) {
          line.append(' ')
              .append(pm(ratio(e.getValue(), results.get(Simulator.Kind.ORACLE)), "%.2f"))
              .append("x |");
        }
      }
      System.out.println(line);
    }
  }
}
