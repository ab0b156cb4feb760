package dev.llmxds.sim;

import dev.llmxds.sim.report.Result;
import dev.llmxds.sim.report.Summary;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.ToDoubleFunction;

/**
 * Session and prefix affinity (issue 17): multi-turn chat with prefix caching on the 2:1 fleet
 * behind 8 sidecars, every affinity policy against least request and llm-xds's weighted least
 * request, on the same sessions; one table, mean ± sd over seeds.
 *
 * <pre>mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.llmxds.sim.AffinityBenchmark [-Dexec.args="300 4 20"]</pre>
 *
 * Arguments: simulated seconds per run (default 300), seeds (default 4), new sessions per second
 * (default 20; a session is 4.5 requests on average).
 */
public final class AffinityBenchmark {
  static final List<Simulator.Kind> POLICIES =
      List.of(
          Simulator.Kind.SIDECAR_LEAST_REQUEST,
          Simulator.Kind.LLM_XDS,
          Simulator.Kind.RING_HASH,
          Simulator.Kind.RING_HASH_BOUNDED,
          Simulator.Kind.RING_HASH_BOUNDED_LLM_XDS,
          Simulator.Kind.MAGLEV_BOUNDED_LLM_XDS,
          Simulator.Kind.CACHE_ORACLE);

  public static void main(String[] args) throws Exception {
    SimSettings settings =
        SimSettings.fromArgs(args, SimSettings.DEFAULT.withSeeds(4)).withPolicies(POLICIES);
    double sessions = args.length > 2 ? Double.parseDouble(args[2]) : 20;
    Scenario scenario =
        Scenario.multiTurn(
            String.format(
                Locale.ROOT,
                "multi-turn chat, %.0f sessions/s, 2:1 heterogeneous fleet, 8 proxies",
                sessions),
            sessions,
            settings.duration());
    ExecutorService pool = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors());
    try {
      long started = System.nanoTime();
      Map<Simulator.Kind, List<Result>> results = runAll(pool, scenario, settings);
      print(scenario, settings, results, (System.nanoTime() - started) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  static Map<Simulator.Kind, List<Result>> runAll(
      ExecutorService pool, Scenario scenario, SimSettings settings) throws Exception {
    List<Future<Map<Simulator.Kind, Result>>> futures = new ArrayList<>();
    for (int seed = 1; seed <= settings.seeds(); seed++) {
      long s = seed;
      for (Simulator.Kind kind : settings.policies()) {
        futures.add(
            pool.submit(
                () -> {
                  Map<Simulator.Kind, Result> one = new EnumMap<>(Simulator.Kind.class);
                  one.put(kind, new Simulator(scenario, s, settings).run(kind));
                  return one;
                }));
      }
    }
    Map<Simulator.Kind, List<Result>> out = new EnumMap<>(Simulator.Kind.class);
    for (Future<Map<Simulator.Kind, Result>> f : futures) {
      f.get().forEach((k, r) -> out.computeIfAbsent(k, x -> new ArrayList<>()).add(r));
    }
    return out;
  }

  /** Per-seed ratio {@code num / den} of one figure, summarised. */
  static Summary ratio(List<Result> num, List<Result> den, ToDoubleFunction<Result> figure) {
    double[] x = new double[num.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = figure.applyAsDouble(num.get(i)) / figure.applyAsDouble(den.get(i));
    }
    return Summary.of(x);
  }

  static String pm(Summary s, String format) {
    return String.format(Locale.ROOT, format + " ± " + format, s.mean(), s.sd());
  }

  static void print(
      Scenario scenario,
      SimSettings settings,
      Map<Simulator.Kind, List<Result>> results,
      double seconds) {
    List<Result> lr = results.get(Simulator.Kind.SIDECAR_LEAST_REQUEST);
    List<Result> oracle = results.get(Simulator.Kind.CACHE_ORACLE);
    System.out.printf(
        Locale.ROOT,
        "%n### %s%n%n%.0f s simulated (first %.0f s warm-up), %d sidecars, %d GPUs (speeds %s),"
            + " prefix caching on; mean ± sd over %d seeds; ran in %.1f s%n%n",
        scenario.name(),
        scenario.duration(),
        scenario.warmup(),
        scenario.sidecarZones().size(),
        scenario.speeds().size(),
        scenario.speeds(),
        settings.seeds(),
        seconds);
    System.out.println(
        "| policy | TTFT p50 (s) | TTFT p99 (s) | E2E p99 (s) | prefix-cache hit rate"
            + " | hottest GPU's share of requests | req/s | least request p50 / this"
            + " | least request p99 / this | hit rate − oracle's (points) |");
    System.out.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (Map.Entry<Simulator.Kind, List<Result>> e : results.entrySet()) {
      List<Result> r = e.getValue();
      double[] gap = new double[r.size()];
      for (int i = 0; i < gap.length; i++) {
        gap[i] = 100 * (r.get(i).prefixHitRate() - oracle.get(i).prefixHitRate());
      }
      System.out.printf(
          Locale.ROOT,
          "| %s | %s | %s | %s | %s %% | %s %% | %s | %sx | %sx | %s |%n",
          r.get(0).policy(),
          pm(Summary.of(r, Result::ttftP50), "%.3f"),
          pm(Summary.of(r, Result::ttftP99), "%.3f"),
          pm(Summary.of(r, Result::e2eP99), "%.2f"),
          pm(Summary.of(r, x -> 100 * x.prefixHitRate()), "%.1f"),
          pm(Summary.of(r, x -> 100 * x.hottestShare()), "%.1f"),
          pm(Summary.of(r, Result::throughput), "%.1f"),
          pm(ratio(lr, r, Result::ttftP50), "%.2f"),
          pm(ratio(lr, r, Result::ttftP99), "%.2f"),
          pm(Summary.of(gap), "%+.1f"));
    }
    System.out.println(
        "\n(fair share of requests: 2x GPU 16.7 %, 1x GPU 8.3 %; hit rate = prompt tokens found in"
            + " the prefix cache / prompt tokens, first admissions)");
  }
}
