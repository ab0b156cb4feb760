package dev.llmxds.sim;

import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.WeightsConfig;
import dev.llmxds.sim.report.Result;
import java.util.List;
import java.util.Locale;

/**
 * Sweeps weight-policy settings through the simulator: llm-xds's TTFT p99 relative to the oracle on
 * every scenario, one line per setting. How the defaults were chosen.
 *
 * <pre>mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.llmxds.sim.WeightTuning -Dexec.args="300 '{runningWeight: 1.0}' ..."
 * </pre>
 */
public final class WeightTuning {
  public static void main(String[] args) {
    double duration = Double.parseDouble(args[0]);
    List<Scenario> scenarios = Scenario.all(duration);
    for (int i = 1; i < args.length; i++) {
      WeightsConfig w = ConfigLoader.parse("weights: " + args[i], null).weights();
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-70s", args[i]));
      double worst = 0;
      for (Scenario s : scenarios) {
        Simulator sim = new Simulator(s, 42, w);
        Result x = sim.run(Simulator.Kind.LLM_XDS);
        Result o = sim.run(Simulator.Kind.ORACLE);
        double ratio = x.ttftP99() / o.ttftP99();
        worst = Math.max(worst, ratio);
        line.append(String.format(Locale.ROOT, " %6.2f", ratio));
      }
      System.out.println(line.append(String.format(Locale.ROOT, "  worst %.2f", worst)));
    }
  }
}
