package dev.llmxds.sim.engine;

import dev.llmxds.demo.EngineModel;
import dev.llmxds.sim.workload.Workload;
import java.util.Locale;

/**
 * How many requests per second one reference GPU ({@link EngineModel.Spec#DEFAULT}) completes when
 * it is never short of work: the queue is kept {@code depth} deep with requests from {@link
 * Workload}'s length mix, and after a warm-up the finished requests are counted per simulated
 * second. This is what {@code Scenario.RPS_PER_UNIT} is set from.
 *
 * <pre>mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.llmxds.sim.engine.Saturation [-Dexec.args="1800 42 1024"]</pre>
 *
 * Arguments: simulated seconds measured (default 1800, after 120 s of warm-up), seed (default 42),
 * queue depth (default 1024).
 */
public final class Saturation {
  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 1800;
    long seed = args.length > 1 ? Long.parseLong(args[1]) : 42;
    int depth = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
    Result r = measure(EngineModel.Spec.DEFAULT, seed, depth, 120, seconds);
    System.out.printf(
        Locale.ROOT,
        "reference GPU, queue %d deep, %.0f s measured: %.2f req/s, %.0f generated tok/s,"
            + " %.0f prompt tok/s, %.2f preemptions/s, mean running %.1f, mean KV usage %.2f,"
            + " mean step %.1f ms%n",
        depth,
        seconds,
        r.requestsPerSecond(),
        r.generationTokensPerSecond(),
        r.promptTokensPerSecond(),
        r.preemptionsPerSecond(),
        r.meanRunning(),
        r.meanKvUsage(),
        r.meanStepMs());
  }

  /** Saturation figures over the measured window (step-weighted means for running and KV). */
  public record Result(
      double requestsPerSecond,
      double generationTokensPerSecond,
      double promptTokensPerSecond,
      double preemptionsPerSecond,
      double meanRunning,
      double meanKvUsage,
      double meanStepMs) {}

  public static Result measure(
      EngineModel.Spec spec, long seed, int depth, double warmup, double seconds) {
    EngineModel model = new EngineModel(spec);
    Workload workload = new Workload(seed, t -> 1, false);
    long ids = 0;
    double now = 0;
    long finished = 0;
    long steps = 0;
    double runningArea = 0;
    double kvArea = 0;
    long gen0 = 0;
    long prompt0 = 0;
    long preempt0 = 0;
    boolean measuring = false;
    while (now < warmup + seconds) {
      while (model.waiting() < depth) {
        model.submit(
            new EngineModel.Request(ids++, workload.promptTokens(), workload.outputTokens()));
      }
      if (!measuring && now >= warmup) {
        measuring = true;
        gen0 = model.generationTokensTotal();
        prompt0 = model.promptTokensTotal();
        preempt0 = model.preemptionsTotal();
      }
      EngineModel.Step step = model.step();
      double dt = step.durationNanos() / 1e9;
      now += dt;
      if (measuring) {
        finished += step.finished().size();
        steps++;
        runningArea += model.running() * dt;
        kvArea += model.kvUsage() * dt;
      }
    }
    double measured = now - warmup;
    return new Result(
        finished / measured,
        (model.generationTokensTotal() - gen0) / measured,
        (model.promptTokensTotal() - prompt0) / measured,
        (model.preemptionsTotal() - preempt0) / measured,
        runningArea / measured,
        kvArea / measured,
        measured * 1000 / steps);
  }
}
