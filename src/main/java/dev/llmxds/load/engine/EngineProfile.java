package dev.llmxds.load.engine;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.load.prom.Exposition;
import java.util.Collection;
import java.util.Set;

/**
 * How one inference engine reports its load on {@code /metrics}, and how to read it. One class per
 * engine, listed in {@link EngineProfiles}.
 */
public interface EngineProfile {
  /** The engine, as a registration declares it. */
  EngineKind kind();

  /**
   * Engines that publish the same figures under other names share a family (vLLM, NIM and Ray
   * Serve's vLLM; Triton's TensorRT-LLM backend and {@code trtllm-serve}): an engine declared as
   * one member whose body carries another member's names is read as that member. By default a
   * profile is a family of its own.
   */
  default String family() {
    return kind().names().get(0);
  }

  /** Every metric name this profile reads: the scraper keeps only names some profile reads. */
  Set<String> metricNames();

  /** Whether {@code e} carries this engine's request figures (auto-detection). */
  boolean recognises(Exposition e);

  /**
   * Reads the load of {@code models} (all series when the server reports one model only).
   *
   * @throws IllegalArgumentException naming what is missing or invalid
   */
  EngineLoad read(Exposition e, Collection<String> models);
}
