package dev.llmxds.sim.policy;

import java.util.Arrays;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * A faithful model of Envoy's least-request load balancer for one sidecar: when every host has the
 * same weight, power of {@code choiceCount} random choices (with replacement), fewest active
 * requests wins, the first drawn on ties; when weights differ, an earliest-deadline-first schedule
 * where a host re-enters after each pick with deadline {@code now + 1 / (weight / (active +
 * 1)^bias)}.
 */
public final class EnvoyLeastRequest {
  private final Random random;
  private final int choiceCount;
  private final double bias;
  private int[] edfHosts = new int[0];
  private int[] edfWeights = new int[0];
  private double[] deadlines = new double[0];
  private double current;

  public EnvoyLeastRequest(Random random, int choiceCount, double bias) {
    this.random = random;
    this.choiceCount = choiceCount;
    this.bias = bias;
  }

  /**
   * Picks one of {@code hosts} (engine ids) given their weights (same order) and each host's active
   * request count as this sidecar sees it.
   */
  public int pick(int[] hosts, int[] weights, IntUnaryOperator active) {
    boolean equal = Arrays.stream(weights).allMatch(w -> w == weights[0]);
    if (equal) {
      int best = -1;
      for (int i = 0; i < choiceCount; i++) {
        int candidate = hosts[random.nextInt(hosts.length)];
        if (best < 0 || active.applyAsInt(candidate) < active.applyAsInt(best)) {
          best = candidate;
        }
      }
      return best;
    }
    if (!Arrays.equals(hosts, edfHosts) || !Arrays.equals(weights, edfWeights)) {
      edfHosts = hosts.clone();
      edfWeights = weights.clone();
      deadlines = new double[hosts.length];
      current = 0;
      for (int i = 0; i < hosts.length; i++) {
        deadlines[i] = current + 1.0 / effective(i, active);
      }
    }
    int next = 0;
    for (int i = 1; i < hosts.length; i++) {
      if (deadlines[i] < deadlines[next]) {
        next = i;
      }
    }
    current = deadlines[next];
    deadlines[next] = current + 1.0 / effective(next, active);
    return hosts[next];
  }

  private double effective(int i, IntUnaryOperator active) {
    return edfWeights[i] / Math.pow(active.applyAsInt(edfHosts[i]) + 1, bias);
  }
}
