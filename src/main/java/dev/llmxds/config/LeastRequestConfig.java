package dev.llmxds.config;

/**
 * Envoy least-request settings. {@code choiceCount} is used while all weights are equal (P2C);
 * {@code activeRequestBias} is the exponent in {@code weight / (active + 1)^bias} on the weighted
 * (EDF) path. Null bias: the field is left out of the Cluster, so Envoy applies its default 1.0 and
 * keeps P2C while all weights are equal; current Envoy takes the weighted path whenever the bias is
 * set explicitly, even with equal weights (runtime guard {@code
 * least_request_lb_active_request_bias_forces_weighted}).
 */
public record LeastRequestConfig(Integer choiceCount, Double activeRequestBias) {
  public static final LeastRequestConfig DEFAULT = new LeastRequestConfig(null, null);

  public LeastRequestConfig {
    choiceCount = Check.range("choiceCount", Check.orDefault(choiceCount, 2), 2, 100);
    if (activeRequestBias != null) {
      activeRequestBias = Check.range("activeRequestBias", activeRequestBias, 0.0, 10.0);
    }
  }
}
