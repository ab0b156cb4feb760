package dev.llmxds.sim.report;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** Mean and sample standard deviation of one figure over seeds. */
public record Summary(double mean, double sd, int n) {
  public static Summary of(List<Result> results, ToDoubleFunction<Result> figure) {
    double[] x = results.stream().mapToDouble(figure).toArray();
    return of(x);
  }

  public static Summary of(double[] x) {
    double mean = 0;
    for (double v : x) {
      mean += v;
    }
    mean /= x.length;
    double ss = 0;
    for (double v : x) {
      ss += (v - mean) * (v - mean);
    }
    return new Summary(mean, x.length > 1 ? Math.sqrt(ss / (x.length - 1)) : 0, x.length);
  }

  /** The mean result of one policy over seeds, for plots. */
  public static Result mean(List<Result> results) {
    return new Result(
        results.get(0).policy(),
        of(results, Result::ttftP50).mean(),
        of(results, Result::ttftP99).mean(),
        of(results, Result::e2eP99).mean(),
        of(results, Result::throughput).mean(),
        of(results, Result::imbalance).mean(),
        of(results, Result::weightUpdatesPerSecond).mean(),
        results.stream().mapToLong(Result::completed).sum(),
        results.stream().mapToLong(Result::failed).sum(),
        of(results, Result::prefixHitRate).mean(),
        of(results, Result::hottestShare).mean());
  }
}
