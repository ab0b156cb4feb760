package dev.llmxds.load.engine;

import static dev.llmxds.load.engine.Series.counter;
import static dev.llmxds.load.engine.Series.labelIs;
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
 * SGLang ({@code --enable-metrics}): {@code sglang:num_running_reqs}, {@code
 * sglang:num_queue_reqs}, {@code sglang:token_usage}; label {@code model_name} (plus rank labels in
 * newer versions).
 *
 * <p>{@code sglang:realtime_tokens_total{mode="decode"}} is bumped by the scheduler every log
 * interval (40 decode steps by default). Summed over every series like running, so the ratio holds
 * whether one rank or every tensor-parallel rank reports. {@code generation_tokens_total} moves
 * only when a request finishes: too bursty for a rate, not read (collector.py).
 */
final class SglangProfile implements EngineProfile {
  static final String RUNNING = "sglang:num_running_reqs";
  static final String WAITING = "sglang:num_queue_reqs";
  static final String KV = "sglang:token_usage";
  static final String DECODED = "sglang:realtime_tokens_total";

  @Override
  public EngineKind kind() {
    return EngineKind.SGLANG;
  }

  @Override
  public Set<String> metricNames() {
    return Set.of(RUNNING, WAITING, KV, DECODED);
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
        counter(e, DECODED, ofModel.and(labelIs("mode", "decode"))));
  }
}
