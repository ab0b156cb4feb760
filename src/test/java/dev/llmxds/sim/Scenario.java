package dev.llmxds.sim;

import dev.llmxds.sim.engine.Capacity;
import dev.llmxds.sim.engine.SimEngine;
import dev.llmxds.sim.kernel.Clock;
import dev.llmxds.sim.workload.MultiTurn;
import dev.llmxds.sim.workload.Workload.Mix;
import java.util.Collections;
import java.util.List;
import java.util.function.BiConsumer;
import java.util.function.DoubleUnaryOperator;

/**
 * One workload on one fleet.
 *
 * @param speeds engine speeds (1 = reference GPU)
 * @param zones engine zones, or null for a flat fleet
 * @param sidecarZones the zone of each sidecar (flat fleets: any); its size is the proxy count
 * @param rate requests per second over simulated time
 * @param events changes during the run (a degrading GPU, a lost zone), given the clock and engines
 * @param mix request lengths
 * @param skew Zipf exponent of how traffic splits over the sidecars (0: evenly)
 * @param multiTurn a multi-turn chat workload instead of {@code rate}/{@code mix} (GPUs then run
 *     with prefix caching on), or null
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
    BiConsumer<Clock, List<SimEngine>> events,
    Mix mix,
    double skew,
    MultiTurn multiTurn) {

  static final List<Double> HOMOGENEOUS = List.of(1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0);
  static final List<Double> MIXED = List.of(2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0);

  /** A flat fleet behind {@code proxies} sidecars, Poisson arrivals, chat lengths, no events. */
  static Scenario flat(
      String name, List<Double> speeds, double load, Mix mix, int proxies, double duration) {
    double units = speeds.stream().mapToDouble(Double::doubleValue).sum();
    double rate = load * units * Capacity.requestsPerSecond(mix);
    return new Scenario(
        name,
        speeds,
        null,
        sidecars(proxies, "a"),
        t -> rate,
        false,
        duration,
        Math.min(60, duration / 5),
        (c, e) -> {},
        mix,
        0,
        null);
  }

  static List<String> sidecars(int n, String zone) {
    return Collections.nCopies(n, zone);
  }

  /**
   * Multi-turn chat with prefix caching on the 2:1 fleet behind 8 sidecars: {@code sessions} new
   * sessions per second (see {@link MultiTurn#chat}).
   */
  public static Scenario multiTurn(String name, double sessions, double duration) {
    return new Scenario(
        name,
        MIXED,
        null,
        sidecars(8, "a"),
        t -> sessions,
        false,
        duration,
        Math.min(60, duration / 5),
        (c, e) -> {},
        Mix.CHAT,
        0,
        MultiTurn.chat(sessions));
  }

  /** The same scenario behind {@code proxies} sidecars (flat fleets only). */
  public Scenario withProxies(int proxies) {
    if (zones != null) {
      throw new IllegalArgumentException("zoned scenarios fix their sidecars");
    }
    return new Scenario(
        name + ", " + proxies + " proxies",
        speeds,
        zones,
        sidecars(proxies, "a"),
        rate,
        bursty,
        duration,
        warmup,
        events,
        mix,
        skew,
        multiTurn);
  }

  Scenario with(boolean newBursty, BiConsumer<Clock, List<SimEngine>> newEvents, double newSkew) {
    return new Scenario(
        name,
        speeds,
        zones,
        sidecarZones,
        rate,
        newBursty,
        duration,
        warmup,
        newEvents,
        mix,
        newSkew,
        multiTurn);
  }

  Scenario withRate(DoubleUnaryOperator newRate) {
    return new Scenario(
        name,
        speeds,
        zones,
        sidecarZones,
        newRate,
        bursty,
        duration,
        warmup,
        events,
        mix,
        skew,
        multiTurn);
  }

  /** One GPU's speed falls linearly from 1 to 0.3 over 60 % of the run after warm-up. */
  static BiConsumer<Clock, List<SimEngine>> degrading(double duration, double warm) {
    return (c, engines) -> {
      for (double t = warm; t <= duration; t += 1) {
        double at = t;
        c.at(
            at,
            () -> engines.get(0).speed(Math.max(0.3, 1 - 0.7 * (at - warm) / (duration * 0.6))));
      }
    };
  }

  /** The scenarios of the comparison, behind 8 proxies. */
  public static List<Scenario> all(double duration) {
    double warm = Math.min(60, duration / 5);
    double chat = Capacity.requestsPerSecond(Mix.CHAT);
    Scenario zoneLoss =
        new Scenario(
            "zone a lost (failover to zone b), 40 % → 80 % of what remains",
            HOMOGENEOUS,
            List.of("a", "a", "a", "a", "b", "b", "b", "b"),
            List.of("a", "a", "a", "a", "b", "b", "b", "b"),
            t -> 0.4 * 8 * chat,
            false,
            duration,
            warm,
            (c, engines) ->
                c.at(duration / 2, () -> engines.subList(0, 4).forEach(SimEngine::kill)),
            Mix.CHAT,
            0,
            null);
    return List.of(
        flat("homogeneous fleet, 80 % load, bursty", HOMOGENEOUS, 0.8, Mix.CHAT, 8, duration)
            .with(true, (c, e) -> {}, 0),
        flat("2:1 heterogeneous fleet, 80 % load", MIXED, 0.8, Mix.CHAT, 8, duration),
        flat("one GPU degrading to 0.3x, 75 % load", HOMOGENEOUS, 0.75, Mix.CHAT, 8, duration)
            .with(false, degrading(duration, warm), 0),
        zoneLoss,
        flat("load step 50 % → 95 % on the 2:1 fleet", MIXED, 0.5, Mix.CHAT, 8, duration)
            .withRate(t -> (t < duration / 2 ? 0.5 : 0.95) * 12 * chat),
        flat("pure noise: homogeneous, steady 60 % load", HOMOGENEOUS, 0.6, Mix.CHAT, 8, duration),
        flat(
            "long/short prompt mix (prefill-bound), 2:1 fleet, 75 % load",
            MIXED, 0.75, Mix.PREFILL_HEAVY, 8, duration),
        flat(
            "long contexts (KV-bound, preempting), 2:1 fleet, 80 % load",
            MIXED, 0.8, Mix.KV_BOUND, 8, duration),
        flat(
                "traffic skewed over sidecars (Zipf 1.2), 2:1 fleet, 80 % load",
                MIXED, 0.8, Mix.CHAT, 8, duration)
            .with(false, (c, e) -> {}, 1.2));
  }

  /** The scenarios the proxy-count sweep runs (flat, so the proxy count can vary). */
  public static List<Scenario> sweep(double duration) {
    double warm = Math.min(60, duration / 5);
    return List.of(
        flat("2:1 heterogeneous fleet, 80 % load", MIXED, 0.8, Mix.CHAT, 8, duration),
        flat("one GPU degrading to 0.3x, 75 % load", HOMOGENEOUS, 0.75, Mix.CHAT, 8, duration)
            .with(false, degrading(duration, warm), 0));
  }
}
