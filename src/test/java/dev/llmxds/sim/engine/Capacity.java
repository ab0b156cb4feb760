package dev.llmxds.sim.engine;

import dev.llmxds.demo.EngineModel;
import dev.llmxds.sim.kernel.Clock;
import dev.llmxds.sim.workload.Request;
import dev.llmxds.sim.workload.Workload;
import dev.llmxds.sim.workload.Workload.Mix;
import java.util.EnumMap;
import java.util.Map;

/**
 * Requests per second one reference GPU (speed 1) sustains for a request mix, measured rather than
 * assumed: the engine model is kept saturated (a standing queue of {@value #BACKLOG} requests) for
 * {@value #SECONDS} simulated seconds after a warm-up, and completions are counted. Scenario loads
 * (80 % …) are fractions of this. Deterministic (fixed seed), cached per mix.
 */
public final class Capacity {
  static final int BACKLOG = 400;
  static final double WARMUP = 60;
  static final double SECONDS = 300;

  private static final Map<Mix, Double> CACHE = new EnumMap<>(Mix.class);

  private Capacity() {}

  public static synchronized double requestsPerSecond(Mix mix) {
    return CACHE.computeIfAbsent(mix, Capacity::measure);
  }

  private static double measure(Mix mix) {
    Clock clock = new Clock();
    Workload workload = new Workload(2026, t -> 1, false, mix, 1, 0);
    long[] ids = {0};
    long[] done = {0};
    SimEngine[] engine = new SimEngine[1];
    Runnable submit =
        () -> {
          Request r =
              new Request(
                  ids[0]++, clock.now(), workload.promptTokens(), workload.outputTokens(), 0);
          engine[0].submit(r);
        };
    engine[0] =
        new SimEngine(
            0,
            "a",
            EngineModel.Spec.DEFAULT,
            clock,
            r -> {
              if (clock.now() >= WARMUP) {
                done[0]++;
              }
              submit.run();
            });
    for (int i = 0; i < BACKLOG; i++) {
      submit.run();
    }
    clock.run(WARMUP + SECONDS);
    return done[0] / SECONDS;
  }

  /** Prints each mix's capacity. */
  public static void main(String[] args) {
    for (Mix mix : Mix.values()) {
      System.out.printf("%s: %.2f requests/s per reference GPU%n", mix, requestsPerSecond(mix));
    }
  }
}
