package dev.llmxds.load.engine;

import static dev.llmxds.load.engine.Series.sum;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.Sample;
import java.util.Collection;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Hugging Face TGI: {@code tgi_batch_current_size} (running), {@code tgi_queue_size}; no KV figure,
 * one model per server, no model label. TGI counts generated tokens only per finished request (a
 * histogram observed when a request succeeds, router/src/server.rs): too bursty for a rate, so its
 * weight comes from congestion alone.
 */
final class TgiProfile implements EngineProfile {
  static final String RUNNING = "tgi_batch_current_size";
  static final String WAITING = "tgi_queue_size";

  @Override
  public EngineKind kind() {
    return EngineKind.TGI;
  }

  @Override
  public Set<String> metricNames() {
    return Set.of(RUNNING, WAITING);
  }

  @Override
  public boolean recognises(Exposition e) {
    return e.has(WAITING) || e.has(RUNNING);
  }

  @Override
  public EngineLoad read(Exposition e, Collection<String> models) {
    Predicate<Sample> all = s -> true;
    return new EngineLoad(sum(e, RUNNING, all, true), sum(e, WAITING, all, true), Double.NaN);
  }
}
