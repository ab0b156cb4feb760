package dev.llmxds.load.engine;

import static dev.llmxds.load.engine.Series.mean;
import static dev.llmxds.load.engine.Series.sum;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.Sample;
import java.util.Collection;
import java.util.Set;
import java.util.function.Predicate;

/**
 * llama.cpp server ({@code --metrics}): {@code llamacpp:requests_processing} (busy slots), {@code
 * llamacpp:requests_deferred} (waiting for a slot), {@code llamacpp:kv_cache_usage_ratio} where the
 * build still has it (older builds; else no KV). One model per server, no label. {@code
 * tokens_predicted_total} is added when a request finishes: not read.
 */
final class LlamaCppProfile implements EngineProfile {
  static final String RUNNING = "llamacpp:requests_processing";
  static final String WAITING = "llamacpp:requests_deferred";
  static final String KV = "llamacpp:kv_cache_usage_ratio";

  @Override
  public EngineKind kind() {
    return EngineKind.LLAMACPP;
  }

  @Override
  public Set<String> metricNames() {
    return Set.of(RUNNING, WAITING, KV);
  }

  @Override
  public boolean recognises(Exposition e) {
    return e.has(RUNNING) || e.has(WAITING);
  }

  @Override
  public EngineLoad read(Exposition e, Collection<String> models) {
    Predicate<Sample> all = s -> true;
    return new EngineLoad(sum(e, RUNNING, all, true), sum(e, WAITING, all, true), mean(e, KV, all));
  }
}
