package dev.llmxds.discovery;

import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Builds a fleet from candidate services that came from outside, skipping what cannot be used
 * instead of failing the whole fleet. A service whose name or models are invalid is skipped. A
 * model name claimed by several services goes to the service whose name sorts first; the others
 * lose that model name (a service left with none keeps its own name as its model, unless that is
 * taken too, then it is skipped). Each skipped thing is reported as one problem line.
 */
public final class FleetAssembler {
  /** Strings from outside are cut to this length in problem lines. */
  static final int MAX_SHOWN = 80;

  private FleetAssembler() {}

  /** A service as discovered, not yet validated. */
  public record Candidate(
      String name, List<String> models, List<Endpoint> endpoints, Affinity affinity) {
    public Candidate(String name, List<String> models, List<Endpoint> endpoints) {
      this(name, models, endpoints, null);
    }
  }

  /** The fleet of every usable service and one line per problem, in a stable order. */
  public record Result(Fleet fleet, List<String> problems) {}

  public static Result assemble(List<Candidate> candidates) {
    List<Candidate> sorted = new ArrayList<>(candidates);
    sorted.sort(Comparator.comparing(Candidate::name));
    List<String> problems = new ArrayList<>();
    Map<String, String> owner = new HashMap<>();
    Map<String, InferenceService> services = new HashMap<>();
    for (Candidate c : sorted) {
      InferenceService declared;
      try {
        declared = new InferenceService(c.name(), c.models(), c.endpoints(), c.affinity());
      } catch (IllegalArgumentException | NullPointerException e) {
        problems.add("service '" + shown(c.name()) + "' skipped: " + shown(e.getMessage(), 300));
        continue;
      }
      if (services.containsKey(declared.name())) {
        problems.add("service '" + shown(c.name()) + "' skipped: defined twice");
        continue;
      }
      Set<String> kept = new LinkedHashSet<>();
      for (String model : declared.models()) {
        String first = owner.get(model);
        if (first == null) {
          kept.add(model);
        } else {
          problems.add(
              "model '"
                  + shown(model)
                  + "' is claimed by '"
                  + first
                  + "' and '"
                  + declared.name()
                  + "': '"
                  + first
                  + "' keeps it (the service name that sorts first)");
        }
      }
      if (kept.isEmpty()) {
        if (owner.containsKey(declared.name())) {
          problems.add(
              "service '"
                  + declared.name()
                  + "' skipped: every model name it serves, and its own name, belong to other"
                  + " services");
          continue;
        }
        kept.add(declared.name());
      }
      InferenceService s =
          new InferenceService(
              declared.name(), List.copyOf(kept), declared.endpoints(), declared.affinity());
      kept.forEach(m -> owner.put(m, s.name()));
      services.put(s.name(), s);
    }
    return new Result(Fleet.of(services.values()), List.copyOf(problems));
  }

  static String shown(String s) {
    return shown(s, MAX_SHOWN);
  }

  /** {@code s} cut to {@code max} characters, control characters replaced: safe to log. */
  public static String shown(String s, int max) {
    if (s == null) {
      return "null";
    }
    String cut = s.length() > max ? s.substring(0, max) + "…(" + s.length() + " chars)" : s;
    StringBuilder b = new StringBuilder(cut.length());
    cut.codePoints().forEach(cp -> b.appendCodePoint(Character.isISOControl(cp) ? '?' : cp));
    return b.toString();
  }
}
