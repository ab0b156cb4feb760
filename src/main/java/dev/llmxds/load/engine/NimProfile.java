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
 * NVIDIA NIM for LLMs: vLLM V0's figures without the prefix, {@code num_requests_running}, {@code
 * num_requests_waiting}, {@code gpu_cache_usage_perc}, {@code generation_tokens_total} (counted
 * every step); label {@code model_name}. In the vLLM family: a NIM declared as vLLM is read as NIM
 * when its body has no {@code vllm:} request gauges, and a NIM built on newer vLLM that keeps the
 * prefix is read as vLLM. Its names carry no prefix of their own, so it is detected last.
 */
final class NimProfile implements EngineProfile {
  static final String RUNNING = "num_requests_running";
  static final String WAITING = "num_requests_waiting";
  static final String KV = "gpu_cache_usage_perc";
  static final String GENERATED = "generation_tokens_total";

  @Override
  public EngineKind kind() {
    return EngineKind.NIM;
  }

  @Override
  public String family() {
    return "vllm";
  }

  @Override
  public Set<String> metricNames() {
    return Set.of(RUNNING, WAITING, KV, GENERATED);
  }

  @Override
  public boolean recognises(Exposition e) {
    return e.has(RUNNING) || e.has(WAITING);
  }

  @Override
  public EngineLoad read(Exposition e, Collection<String> models) {
    Predicate<Sample> ofModel = ofModels(e, "model_name", models);
    return new EngineLoad(
        sum(e, RUNNING, ofModel, true),
        sum(e, WAITING, ofModel, true),
        mean(e, KV, ofModel),
        counter(e, GENERATED, ofModel));
  }
}
