package dev.llmxds.load.engine;

import static dev.llmxds.load.engine.Series.labelIs;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.load.prom.Sample;
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
final class SglangProfile extends GaugeProfile {
  static final String RUNNING = "sglang:num_running_reqs";
  static final String WAITING = "sglang:num_queue_reqs";
  static final String KV = "sglang:token_usage";
  static final String DECODED = "sglang:realtime_tokens_total";

  SglangProfile() {
    super(EngineKind.SGLANG, null, RUNNING, WAITING, KV, DECODED);
  }

  /** Only the decode series: prefill tokens are no decode speed. */
  @Override
  Predicate<Sample> generatedSeries() {
    return labelIs("mode", "decode");
  }
}
