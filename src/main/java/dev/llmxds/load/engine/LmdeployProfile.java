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
 * LMDeploy's api_server with metrics enabled: vLLM-style gauges under {@code lmdeploy:}, labels
 * {@code model_name} and {@code engine} (the data-parallel rank: counts summed, KV averaged).
 *
 * <p>{@code lmdeploy:generation_tokens_total} is increased every iteration by the tokens it
 * generated ({@code record_iteration}), so it is the speed estimate's counter. An earlier revision
 * of the same logger increased it twice per iteration; a service mixing that version with newer
 * ones would see the older engines as twice as fast.
 */
final class LmdeployProfile implements EngineProfile {
  // InternLM/lmdeploy lmdeploy/metrics/loggers.py, PrometheusStatLogger
  static final String RUNNING = "lmdeploy:num_requests_running";
  static final String WAITING = "lmdeploy:num_requests_waiting";
  static final String KV = "lmdeploy:gpu_cache_usage_perc";
  static final String GENERATED = "lmdeploy:generation_tokens_total";

  @Override
  public EngineKind kind() {
    return EngineKind.LMDEPLOY;
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
