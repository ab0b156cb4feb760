package dev.llmxds.load.engine;

import static dev.llmxds.load.engine.Series.counter;
import static dev.llmxds.load.engine.Series.mean;
import static dev.llmxds.load.engine.Series.ofModels;
import static dev.llmxds.load.engine.Series.sum;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.Sample;
import java.util.Collection;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Ray Serve LLM: vLLM's own figures, recorded through Ray's metrics ({@code
 * RayPrometheusStatLogger}) and exported by the Ray node's metrics agent with Ray's {@code ray_}
 * prefix. Current vLLM replaces every character Ray does not allow by {@code _}, so {@code
 * vllm:num_requests_running} becomes {@code ray_vllm_num_requests_running}; before that the colon
 * was kept ({@code ray_vllm:num_requests_running}). Both spellings are read. Labels: {@code
 * model_name}, vLLM's {@code engine}, and Ray's {@code ReplicaId}/{@code WorkerId}.
 *
 * <p>One Ray node's exporter carries every replica on that node: counts are summed over the
 * replicas of the service's models, KV usage averaged. The metrics port is Ray's (the node's
 * metrics export port), not Serve's HTTP port: register it as the endpoint's metrics port.
 */
final class RayServeProfile implements EngineProfile {
  // Sanitised names: vllm-project/vllm vllm/v1/metrics/ray_wrappers.py
  // (_get_sanitized_opentelemetry_name) and the queries of ray-project/ray
  // python/ray/dashboard/modules/metrics/dashboards/vllm_engine_panels.py.
  static final String RUNNING = "ray_vllm_num_requests_running";
  static final String WAITING = "ray_vllm_num_requests_waiting";
  static final String KV = "ray_vllm_kv_cache_usage_perc";
  static final String GENERATED = "ray_vllm_generation_tokens_total";
  // Colon-era names: the queries of ray-project/ray
  // python/ray/dashboard/modules/metrics/dashboards/serve_llm_dashboard_panels.py (older
  // revisions).
  static final String RUNNING_COLON = "ray_vllm:num_requests_running";
  static final String WAITING_COLON = "ray_vllm:num_requests_waiting";
  static final String KV_COLON = "ray_vllm:gpu_cache_usage_perc";
  static final String GENERATED_COLON = "ray_vllm:generation_tokens_total";

  @Override
  public EngineKind kind() {
    return EngineKind.RAY_SERVE;
  }

  @Override
  public String family() {
    return "vllm";
  }

  @Override
  public Set<String> metricNames() {
    return Set.of(
        RUNNING, WAITING, KV, GENERATED, RUNNING_COLON, WAITING_COLON, KV_COLON, GENERATED_COLON);
  }

  @Override
  public boolean recognises(Exposition e) {
    return e.has(RUNNING) || e.has(WAITING) || e.has(RUNNING_COLON) || e.has(WAITING_COLON);
  }

  @Override
  public EngineLoad read(Exposition e, Collection<String> models) {
    Predicate<Sample> ofModel = ofModels(e, "model_name", models);
    boolean colon = !e.has(RUNNING) && !e.has(WAITING) && recognises(e);
    return new EngineLoad(
        sum(e, colon ? RUNNING_COLON : RUNNING, ofModel, true),
        sum(e, colon ? WAITING_COLON : WAITING, ofModel, true),
        mean(e, colon ? KV_COLON : KV, ofModel),
        counter(e, colon ? GENERATED_COLON : GENERATED, ofModel));
  }
}
