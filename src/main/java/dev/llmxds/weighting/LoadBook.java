package dev.llmxds.weighting;

import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The load known per endpoint, fed by the scraper and read by the reconciler. Values are immutable
 * records; the policy that turns them into factors is pure ({@link WeightPolicy}).
 */
public final class LoadBook {
  private record Key(String service, String endpointId) {}

  private final WeightPolicy policy;
  private final Map<Key, EndpointLoad> entries = new HashMap<>();

  public LoadBook(WeightPolicy policy) {
    this.policy = policy;
  }

  public synchronized void record(
      String service, String endpointId, EngineLoad load, String engine, long nowNanos) {
    Key key = new Key(service, endpointId);
    EndpointLoad previous = entries.get(key);
    LoadState state = policy.observe(previous == null ? null : previous.state(), load, nowNanos);
    entries.put(key, new EndpointLoad(load, state, nowNanos, null, engine));
  }

  public synchronized void recordFailure(String service, String endpointId, String error) {
    Key key = new Key(service, endpointId);
    EndpointLoad p = entries.get(key);
    entries.put(
        key,
        p == null
            ? new EndpointLoad(null, null, 0, error, null)
            : new EndpointLoad(p.last(), p.state(), p.lastScrapeNanos(), error, p.engine()));
  }

  /**
   * The factors to publish for {@code fleet} at {@code nowNanos}, given the ones {@code published}
   * last: the policy's factor per endpoint (speeds relative to the median of the service's known
   * speeds), held at the published value while within the deadband. A query: nothing changes.
   */
  public synchronized WeightTable table(Fleet fleet, WeightTable published, long nowNanos) {
    Map<String, Map<String, Double>> factors = new TreeMap<>();
    for (InferenceService service : fleet.services().values()) {
      Map<String, Double> ofService = new TreeMap<>();
      double reference = medianSpeed(service, nowNanos);
      for (Endpoint e : service.endpoints()) {
        EndpointLoad entry = entries.get(new Key(service.name(), e.id()));
        if (entry == null) {
          continue;
        }
        double candidate = policy.factor(entry.state(), reference, nowNanos);
        double settled =
            policy.faded(entry.state(), nowNanos)
                ? WeightPolicy.NEUTRAL
                : policy.settle(published.publishedFactor(service.name(), e.id()), candidate);
        ofService.put(e.id(), settled);
      }
      factors.put(service.name(), ofService);
    }
    return new WeightTable(factors);
  }

  /** Forgets endpoints no longer in {@code fleet} (the reconciler calls it as fleets change). */
  public synchronized void retain(Fleet fleet) {
    java.util.Set<Key> keep = new java.util.HashSet<>();
    for (InferenceService service : fleet.services().values()) {
      for (Endpoint e : service.endpoints()) {
        keep.add(new Key(service.name(), e.id()));
      }
    }
    entries.keySet().retainAll(keep);
  }

  /**
   * The median of the known, fresh speed estimates of {@code service}'s endpoints in rotation
   * (healthy or degraded, not backups: a draining GPU runs a small batch and looks fast), or NaN.
   * With an even count, the lower middle: one outlier cannot drag the reference toward itself.
   */
  private double medianSpeed(InferenceService service, long nowNanos) {
    double[] known =
        service.endpoints().stream()
            .filter(
                e ->
                    !e.backup()
                        && (e.health() == EndpointHealth.HEALTHY
                            || e.health() == EndpointHealth.DEGRADED))
            .map(e -> entries.get(new Key(service.name(), e.id())))
            .filter(entry -> entry != null)
            .mapToDouble(entry -> policy.speed(entry.state(), nowNanos))
            .filter(speed -> !Double.isNaN(speed))
            .sorted()
            .toArray();
    if (known.length == 0) {
      return Double.NaN;
    }
    int mid = known.length / 2;
    return known.length % 2 == 1 ? known[mid] : known[mid - 1];
  }

  /** The endpoint's load, or null when never scraped. */
  public synchronized EndpointLoad get(String service, String endpointId) {
    return entries.get(new Key(service, endpointId));
  }
}
