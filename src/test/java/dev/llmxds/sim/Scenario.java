package dev.llmxds.sim;

import dev.llmxds.sim.engine.SimEngine;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.DoubleUnaryOperator;

/**
 * One workload on one fleet.
 *
 * @param speeds engine speeds (1 = reference GPU)
 * @param zones engine zones, or null for a flat fleet
 * @param sidecarZones the zone of each sidecar (flat fleets: any)
 * @param rate requests per second over simulated time
 * @param events changes during the run (a degrading GPU, a lost zone), given the clock and engines
 */
public record Scenario(
    String name,
    List<Double> speeds,
    List<String> zones,
    List<String> sidecarZones,
    DoubleUnaryOperator rate,
    boolean bursty,
    double duration,
    double warmup,
    BiConsumer<Clock, List<SimEngine>> events) {

  /**
   * Requests per second one reference GPU ({@code EngineModel.Spec.DEFAULT}) sustains with {@link
   * dev.llmxds.sim.workload.Workload}'s length mix. Measured by {@link
   * dev.llmxds.sim.engine.Saturation}: the engine's queue kept 1024 deep, finished requests counted
   * over 1,800 simulated seconds after 120 s of warm-up: 23.94 req/s with seed 42, 23.77 with seed
   * 7 (KV-bound: ~207 running of 256, KV cache 99 % full, ~1.9 preemptions/s, 52 ms steps).
   */
  public static final double RPS_PER_UNIT = 23.9;

  static List<String> sidecars(int n, String zone) {
    return java.util.Collections.nCopies(n, zone);
  }

  public static List<Scenario> all(double duration) {
    double warm = Math.min(60, duration / 5);
    List<Double> homogeneous = List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0);
    List<Double> mixed = List.of(2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0);
    double homCap = 8 * RPS_PER_UNIT;
    double mixCap = 12 * RPS_PER_UNIT;
    return List.of(
        new Scenario(
            "homogeneous fleet, 80 % load, bursty",
            homogeneous,
            null,
            sidecars(8, "a"),
            t -> 0.8 * homCap,
            true,
            duration,
            warm,
            (c, e) -> {}),
        new Scenario(
            "2:1 heterogeneous fleet, 80 % load",
            mixed, null, sidecars(8, "a"), t -> 0.8 * mixCap, false, duration, warm, (c, e) -> {}),
        new Scenario(
            "one GPU degrading to 0.3x, 75 % load",
            homogeneous,
            null,
            sidecars(8, "a"),
            t -> 0.75 * homCap,
            false,
            duration,
            warm,
            (c, engines) -> {
              for (double t = warm; t <= duration; t += 1) {
                double at = t;
                c.at(
                    at,
                    () ->
                        engines
                            .get(0)
                            .speed(Math.max(0.3, 1 - 0.7 * (at - warm) / (duration * 0.6))));
              }
            }),
        new Scenario(
            "zone a lost (failover to zone b), 40 % → 80 % of what remains",
            homogeneous,
            List.of("a", "a", "a", "a", "b", "b", "b", "b"),
            List.of("a", "a", "a", "a", "b", "b", "b", "b"),
            t -> 0.4 * homCap,
            false,
            duration,
            warm,
            (c, engines) ->
                c.at(duration / 2, () -> engines.subList(0, 4).forEach(SimEngine::kill))),
        new Scenario(
            "load step 50 % → 95 % on the 2:1 fleet",
            mixed,
            null,
            sidecars(8, "a"),
            t -> (t < duration / 2 ? 0.5 : 0.95) * mixCap,
            false,
            duration,
            warm,
            (c, e) -> {}));
  }
}
