package dev.llmxds.load.engine;

import static dev.llmxds.load.engine.Series.labelIs;
import static dev.llmxds.load.engine.Series.mean;
import static dev.llmxds.load.engine.Series.sum;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.Sample;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Triton + TensorRT-LLM: {@code nv_trt_llm_request_metrics{request_type=active|waiting}}, {@code
 * nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=fraction}} (else used/max), plus Triton's
 * own {@code nv_inference_pending_request_count} as waiting.
 *
 * <p>The LLM figures are on the TensorRT-LLM stage, the model whose series carry {@code
 * nv_trt_llm_*}, whatever it is called: a deployment is usually an ensemble ({@code ensemble},
 * {@code preprocessing}, {@code tensorrt_llm}, {@code postprocessing}, {@code tensorrt_llm_bls} in
 * one body) and the service's model names are those of the ensemble, not of the stage. Triton's
 * pending count is read for that stage only: every request passes each stage, so summing the stages
 * would count it several times. When one Triton serves several LLM stages and the service names
 * some of them, only those are read. A Triton without {@code nv_trt_llm_*} serves no LLM: not
 * detected, and reading it fails.
 *
 * <p>TensorRT-LLM counts output tokens only per finished request ({@code nv_llm_output_token_len},
 * custom_metrics_reporter.cc): too bursty for a rate; congestion only.
 */
final class TritonProfile implements EngineProfile {
  static final String REQUESTS = "nv_trt_llm_request_metrics";
  static final String KV = "nv_trt_llm_kv_cache_block_metrics";
  static final String PENDING = "nv_inference_pending_request_count";

  @Override
  public EngineKind kind() {
    return EngineKind.TRITON;
  }

  @Override
  public String family() {
    return "tensorrt-llm";
  }

  @Override
  public Set<String> metricNames() {
    return Set.of(REQUESTS, KV, PENDING);
  }

  @Override
  public boolean recognises(Exposition e) {
    return e.has(REQUESTS) || e.has(KV); // only nv_inference_* serves no LLM: not an LLM engine
  }

  @Override
  public EngineLoad read(Exposition e, Collection<String> models) {
    Set<String> stages = new HashSet<>();
    for (String name : List.of(REQUESTS, KV)) {
      for (Sample s : e.samples(name)) {
        stages.add(stage(s));
      }
    }
    if (stages.isEmpty()) {
      throw new IllegalArgumentException(
          "no TensorRT-LLM metrics: not an LLM engine (no " + REQUESTS + " series)");
    }
    Set<String> named = new HashSet<>(stages);
    named.retainAll(models);
    Set<String> read = named.isEmpty() ? stages : named;
    Predicate<Sample> ofStage = s -> read.contains(stage(s));
    double running = sum(e, REQUESTS, ofStage.and(labelIs("request_type", "active")), false);
    double waiting =
        sum(e, REQUESTS, ofStage.and(labelIs("request_type", "waiting")), false)
            + sum(e, PENDING, ofStage, false);
    double kv = mean(e, KV, ofStage.and(labelIs("kv_cache_block_type", "fraction")));
    if (Double.isNaN(kv)) {
      double used = sum(e, KV, ofStage.and(labelIs("kv_cache_block_type", "used")), false);
      double max = sum(e, KV, ofStage.and(labelIs("kv_cache_block_type", "max")), false);
      kv = max > 0 ? used / max : Double.NaN;
    }
    return new EngineLoad(running, waiting, kv);
  }

  private static String stage(Sample s) {
    return s.label("model") == null ? "" : s.label("model");
  }
}
