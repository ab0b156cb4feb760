package dev.llmxds.config;

/**
 * Envoy least-request settings. {@code choiceCount} is used while all weights are equal (P2C);
 * {@code activeRequestBias} is the exponent in {@code weight / (active + 1)^bias} once they differ.
 */
public record LeastRequestConfig(Integer choiceCount, Double activeRequestBias) {
  public static final LeastRequestConfig DEFAULT = new LeastRequestConfig(null, null);

  public LeastRequestConfig {
    choiceCount = Check.range("choiceCount", Check.orDefault(choiceCount, 2), 2, 100);
    activeRequestBias =
        Check.range("activeRequestBias", Check.orDefault(activeRequestBias, 1.0), 0.0, 10.0);
  }
}
