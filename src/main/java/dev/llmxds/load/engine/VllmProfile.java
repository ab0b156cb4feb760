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
 * vLLM V1: {@code vllm:num_requests_running}, {@code vllm:num_requests_waiting}, {@code
 * vllm:kv_cache_usage_perc}; one series per data-parallel {@code engine}: counts are summed, KV
 * usage averaged. Older vLLM (V0, ≤ 0.10): {@code vllm:gpu_cache_usage_perc} and {@code
 * vllm:num_requests_swapped} (preempted requests count as waiting). {@code
 * vllm:generation_tokens_total} counts every step: the speed estimate's counter.
 *
 * <p>One vLLM labels every series with one {@code model_name}, its first served name ({@code
 * get_served_model_name} in vLLM's model config), also when it serves LoRA adapters or answers to
 * several names: its series are the engine's whole load, whichever service routes to it.
 */
final class VllmProfile implements EngineProfile {
  static final String RUNNING = "vllm:num_requests_running";
  static final String WAITING = "vllm:num_requests_waiting";
  static final String SWAPPED = "vllm:num_requests_swapped";
  static final String KV = "vllm:kv_cache_usage_perc";
  static final String KV_OLD = "vllm:gpu_cache_usage_perc";
  static final String GENERATED = "vllm:generation_tokens_total";

  @Override
  public EngineKind kind() {
    return EngineKind.VLLM;
  }

  @Override
  public String family() {
    return "vllm";
  }

  @Override
  public Set<String> metricNames() {
    return Set.of(RUNNING, WAITING, SWAPPED, KV, KV_OLD, GENERATED);
  }

  @Override
  public boolean recognises(Exposition e) {
    return e.has(RUNNING) || e.has(WAITING);
  }

  @Override
  public EngineLoad read(Exposition e, Collection<String> models) {
    Predicate<Sample> ofModel = ofModels(e, "model_name", models);
    double running = sum(e, RUNNING, ofModel, true);
    double waiting = sum(e, WAITING, ofModel, true) + sum(e, SWAPPED, ofModel, false);
    double kv = mean(e, e.has(KV) ? KV : KV_OLD, ofModel);
    return new EngineLoad(running, waiting, kv, counter(e, GENERATED, ofModel));
  }
}
