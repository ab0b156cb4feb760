package dev.llmxds.sim;

import dev.llmxds.config.ClusterConfig;
import dev.llmxds.config.WeightsConfig;
import java.util.List;

/**
 * Everything that drives a simulator run besides the scenario itself (Caffeine's simulator keeps
 * the same split: one settings object, read once, handed to every run). The runners build one from
 * their arguments; every policy of a comparison runs with the same settings on the same workload.
 *
 * @param duration simulated seconds per run (the scenarios' warm-up is a fifth of it, at most 60 s)
 * @param seeds how many seeds each comparison runs (seeds 1..n), for mean ± sd
 * @param policies the policies compared, in table order
 * @param weights llm-xds's weight policy
 * @param cluster llm-xds's cluster settings (least-request bias and choice count, update merge
 *     window); plain least request and the formula run on clusters that set nothing
 * @param proxies the proxy counts of the proxy-count sweep
 */
public record SimSettings(
    double duration,
    int seeds,
    List<Simulator.Kind> policies,
    WeightsConfig weights,
    ClusterConfig cluster,
    List<Integer> proxies) {
  /** The routing comparison's defaults: 300 s, 6 seeds, every policy, the server's defaults. */
  public static final SimSettings DEFAULT =
      new SimSettings(
          300,
          6,
          Simulator.Kind.ROUTING,
          WeightsConfig.DEFAULT,
          ClusterConfig.DEFAULT,
          List.of(1, 2, 8, 64));

  public SimSettings {
    if (!(duration > 0) || seeds < 1) {
      throw new IllegalArgumentException("duration and seeds must be positive");
    }
    policies = List.copyOf(policies);
    proxies = List.copyOf(proxies);
  }

  /** The defaults with {@code "<seconds> <seeds>"} from a runner's command line, where given. */
  public static SimSettings fromArgs(String[] args) {
    return fromArgs(args, DEFAULT);
  }

  /**
   * {@code defaults} with {@code "<seconds> <seeds>"} from a runner's command line, where given.
   */
  public static SimSettings fromArgs(String[] args, SimSettings defaults) {
    SimSettings s = defaults;
    if (args.length > 0) {
      s = s.withDuration(Double.parseDouble(args[0]));
    }
    if (args.length > 1) {
      s = s.withSeeds(Integer.parseInt(args[1]));
    }
    return s;
  }

  public SimSettings withDuration(double newDuration) {
    return new SimSettings(newDuration, seeds, policies, weights, cluster, proxies);
  }

  public SimSettings withSeeds(int newSeeds) {
    return new SimSettings(duration, newSeeds, policies, weights, cluster, proxies);
  }

  public SimSettings withPolicies(List<Simulator.Kind> newPolicies) {
    return new SimSettings(duration, seeds, newPolicies, weights, cluster, proxies);
  }

  /** llm-xds's weight policy and cluster settings, e.g. from a configuration file. */
  public SimSettings withLlmXds(WeightsConfig newWeights, ClusterConfig newCluster) {
    return new SimSettings(duration, seeds, policies, newWeights, newCluster, proxies);
  }
}
