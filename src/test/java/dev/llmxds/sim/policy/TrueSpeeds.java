package dev.llmxds.sim.policy;

import dev.llmxds.sim.engine.SimEngine;
import dev.llmxds.sim.kernel.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/**
 * A bound, not a control plane: every GPU's weight is its true current speed (× 100), known exactly
 * and applied by every sidecar at once (checked each second, no scrape, no smoothing, no merge
 * window). What speed-aware weights could reach if they were perfect.
 */
public final class TrueSpeeds implements WeightSource {
  private final Clock clock;
  private final List<SimEngine> engines;
  private final int sidecars;
  private final List<IntConsumer> listeners = new ArrayList<>();
  private int[] weights;

  public TrueSpeeds(Clock clock, List<SimEngine> engines, int sidecars) {
    this.clock = clock;
    this.engines = engines;
    this.sidecars = sidecars;
    this.weights = current();
    clock.at(1, this::refresh);
  }

  private int[] current() {
    return engines.stream().mapToInt(e -> (int) Math.max(1, Math.round(100 * e.speed()))).toArray();
  }

  private void refresh() {
    int[] next = current();
    if (!Arrays.equals(next, weights)) {
      weights = next;
      for (int s = 0; s < sidecars; s++) {
        int sidecar = s;
        listeners.forEach(l -> l.accept(sidecar));
      }
    }
    clock.after(1, this::refresh);
  }

  @Override
  public int weight(int sidecar, int engine) {
    return weights[engine];
  }

  @Override
  public void onApplied(IntConsumer listener) {
    listeners.add(listener);
  }

  @Override
  public double updatesPerSecond() {
    return 0;
  }
}
