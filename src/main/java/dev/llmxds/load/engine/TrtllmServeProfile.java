package dev.llmxds.load.engine;

import dev.llmxds.fleet.EngineKind;

/**
 * TensorRT-LLM's own OpenAI server, {@code trtllm-serve}. Its {@code /metrics} answers JSON
 * iteration statistics, not Prometheus text, and is drained by each read; the Prometheus figures
 * are served on {@code /prometheus/metrics} when the server runs with {@code return_perf_metrics}
 * (NVIDIA/TensorRT-LLM tensorrt_llm/serve/openai_server.py, {@code mount_metrics}): register that
 * path as the endpoint's metrics path. The queue gauges come from the iteration statistics, so they
 * need iteration stats on ({@code enable_iter_perf_stats} for the PyTorch backend; always on for
 * the TensorRT engine backend); versions whose collector has no {@code trtllm_num_requests_*}
 * gauges expose no queue figure at all, and their scrape fails naming the missing gauge.
 *
 * <p>Every series carries {@code model_name="undefined"} (one per server: all are the engine's).
 * {@code trtllm_generation_tokens_total} is added when a request finishes ({@code
 * log_request_metrics_dict}): too bursty for a rate, not read; congestion only.
 */
final class TrtllmServeProfile extends GaugeProfile {
  // NVIDIA/TensorRT-LLM tensorrt_llm/metrics/collector.py: metric_prefix "trtllm_" + the names
  // below, set in log_iteration_stats from numActiveRequests, numQueuedRequests and
  // kvCacheStats usedNumBlocks / maxNumBlocks.
  static final String RUNNING = "trtllm_num_requests_running";
  static final String WAITING = "trtllm_num_requests_waiting";
  static final String KV = "trtllm_kv_cache_utilization";

  TrtllmServeProfile() {
    super(EngineKind.TRTLLM_SERVE, "tensorrt-llm", RUNNING, WAITING, KV, null);
  }
}
