package dev.llmxds.load.engine;

import dev.llmxds.fleet.EngineKind;

/**
 * LMDeploy's api_server with metrics enabled: vLLM-style gauges under {@code lmdeploy:}, labels
 * {@code model_name} and {@code engine} (the data-parallel rank: counts summed, KV averaged).
 *
 * <p>{@code lmdeploy:generation_tokens_total} is increased every iteration by the tokens it
 * generated ({@code record_iteration}), so it is the speed estimate's counter. An earlier revision
 * of the same logger increased it twice per iteration; a service mixing that version with newer
 * ones would see the older engines as twice as fast.
 */
final class LmdeployProfile extends GaugeProfile {
  // InternLM/lmdeploy lmdeploy/metrics/loggers.py, PrometheusStatLogger
  static final String RUNNING = "lmdeploy:num_requests_running";
  static final String WAITING = "lmdeploy:num_requests_waiting";
  static final String KV = "lmdeploy:gpu_cache_usage_perc";
  static final String GENERATED = "lmdeploy:generation_tokens_total";

  LmdeployProfile() {
    super(EngineKind.LMDEPLOY, null, RUNNING, WAITING, KV, GENERATED);
  }
}
