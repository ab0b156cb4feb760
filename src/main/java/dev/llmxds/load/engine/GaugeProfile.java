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
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * An engine that reports its load as vLLM does: a running and a waiting gauge (summed over ranks),
 * a KV-usage gauge (averaged), optionally a generated-token counter read as it moves, all labelled
 * with {@code model_name}. Recognised by either request gauge. Its subclasses only name them.
 */
abstract class GaugeProfile implements EngineProfile {
  private final EngineKind kind;
  private final String family;
  private final String running;
  private final String waiting;
  private final String kv;
  private final String generated;

  /**
   * @param family the engine family, or null for the engine's own
   * @param generated the generated-token counter, or null when the engine has none fit for a rate
   */
  GaugeProfile(
      EngineKind kind, String family, String running, String waiting, String kv, String generated) {
    this.kind = kind;
    this.family = family;
    this.running = running;
    this.waiting = waiting;
    this.kv = kv;
    this.generated = generated;
  }

  @Override
  public final EngineKind kind() {
    return kind;
  }

  @Override
  public String family() {
    return family != null ? family : EngineProfile.super.family();
  }

  @Override
  public final Set<String> metricNames() {
    Set<String> names = new HashSet<>(Set.of(running, waiting, kv));
    if (generated != null) {
      names.add(generated);
    }
    return Set.copyOf(names);
  }

  @Override
  public final boolean recognises(Exposition e) {
    return e.has(running) || e.has(waiting);
  }

  /** Which series of the generated-token counter count (all, by default). */
  Predicate<Sample> generatedSeries() {
    return s -> true;
  }

  @Override
  public final EngineLoad read(Exposition e, Collection<String> models) {
    Predicate<Sample> ofModel = ofModels(e, "model_name", models);
    double r = sum(e, running, ofModel, true);
    double w = sum(e, waiting, ofModel, true);
    double k = mean(e, kv, ofModel);
    return generated == null
        ? new EngineLoad(r, w, k)
        : new EngineLoad(r, w, k, counter(e, generated, ofModel.and(generatedSeries())));
  }
}
