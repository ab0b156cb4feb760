package dev.llmxds.load.engine;

import dev.llmxds.fleet.EngineKind;

/**
 * NVIDIA NIM for LLMs: vLLM V0's figures without the prefix, {@code num_requests_running}, {@code
 * num_requests_waiting}, {@code gpu_cache_usage_perc}, {@code generation_tokens_total} (counted
 * every step); label {@code model_name}. In the vLLM family: a NIM declared as vLLM is read as NIM
 * when its body has no {@code vllm:} request gauges, and a NIM built on newer vLLM that keeps the
 * prefix is read as vLLM. Its names carry no prefix of their own, so it is detected last.
 */
final class NimProfile extends GaugeProfile {
  static final String RUNNING = "num_requests_running";
  static final String WAITING = "num_requests_waiting";
  static final String KV = "gpu_cache_usage_perc";
  static final String GENERATED = "generation_tokens_total";

  NimProfile() {
    super(EngineKind.NIM, "vllm", RUNNING, WAITING, KV, GENERATED);
  }
}
