package dev.llmxds.weighting;

import java.util.Map;

/**
 * The load factors to publish, per service and endpoint id. Immutable; endpoints not listed get the
 * neutral factor 1.
 */
public record WeightTable(Map<String, Map<String, Double>> factors) implements LoadFactors {
  public static final WeightTable EMPTY = new WeightTable(Map.of());

  public WeightTable {
    factors = Map.copyOf(factors);
  }

  @Override
  public double factor(String service, String endpointId) {
    Map<String, Double> ofService = factors.get(service);
    Double f = ofService == null ? null : ofService.get(endpointId);
    return f == null ? WeightPolicy.NEUTRAL : f;
  }

  /** The factor published for the endpoint, or NaN when none was (it had no load yet). */
  public double publishedFactor(String service, String endpointId) {
    Map<String, Double> ofService = factors.get(service);
    Double f = ofService == null ? null : ofService.get(endpointId);
    return f == null ? Double.NaN : f;
  }

  @Override
  public Object factorsOf(String service) {
    Map<String, Double> ofService = factors.get(service);
    return ofService == null || ofService.isEmpty() ? NEUTRAL : ofService;
  }
}
