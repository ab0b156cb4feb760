package dev.llmxds.load.engine;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.load.prom.Exposition;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The engine profiles llm-xds knows. A new engine is a new {@link EngineProfile} class, one line in
 * the list below and its {@link EngineKind} constant (discovery parses the declared name and may
 * not depend on this package). The metric names the scraper keeps and auto-detection derive from
 * this list.
 */
public final class EngineProfiles {
  /**
   * In detection order: the first profile that recognises a body wins, so engines whose names carry
   * no prefix of their own (NIM) come last.
   */
  private static final List<EngineProfile> ALL =
      List.of(
          new VllmProfile(),
          new SglangProfile(),
          new TgiProfile(),
          new TritonProfile(),
          new LlamaCppProfile(),
          new RayServeProfile(),
          new TrtllmServeProfile(),
          new LmdeployProfile(),
          new NimProfile());

  private static final Map<EngineKind, EngineProfile> BY_KIND = byKind();

  /** Every metric name any profile reads: the scraper materialises only these. */
  public static final Set<String> METRIC_NAMES =
      ALL.stream().flatMap(p -> p.metricNames().stream()).collect(Collectors.toUnmodifiableSet());

  private EngineProfiles() {}

  private static Map<EngineKind, EngineProfile> byKind() {
    Map<EngineKind, EngineProfile> map = new EnumMap<>(EngineKind.class);
    for (EngineProfile p : ALL) {
      if (p.kind() == EngineKind.AUTO) {
        throw new IllegalStateException(p + ": AUTO is not an engine");
      }
      if (map.put(p.kind(), p) != null) {
        throw new IllegalStateException("two profiles for " + p.kind());
      }
    }
    return map;
  }

  /** The profiles, in detection order. */
  public static List<EngineProfile> all() {
    return ALL;
  }

  /** The profile of a declared engine. */
  public static EngineProfile of(EngineKind kind) {
    EngineProfile p = BY_KIND.get(kind);
    if (p == null) {
      throw new IllegalArgumentException("no profile for " + kind);
    }
    return p;
  }

  /** The profile whose metrics the exposition carries, or null when none matches. */
  public static EngineProfile detect(Exposition e) {
    for (EngineProfile p : ALL) {
      if (p.recognises(e)) {
        return p;
      }
    }
    return null;
  }

  /**
   * The profile to read {@code e} with when the engine is declared (or was detected) as {@code
   * expected}: itself when the body carries its figures, else the member of its family whose
   * figures it carries (a NIM declared as vLLM), else itself, whose read then names what is
   * missing.
   */
  public static EngineProfile forBody(EngineProfile expected, Exposition e) {
    if (expected.recognises(e)) {
      return expected;
    }
    for (EngineProfile p : ALL) {
      if (p != expected && p.family().equals(expected.family()) && p.recognises(e)) {
        return p;
      }
    }
    return expected;
  }

  /** The names of the known engines, for messages. */
  public static String names() {
    return ALL.stream().map(p -> p.kind().names().get(0)).collect(Collectors.joining(", "));
  }
}
