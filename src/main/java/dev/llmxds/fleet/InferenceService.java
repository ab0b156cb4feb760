package dev.llmxds.fleet;

import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * One model deployment: a set of endpoints serving the same models. Projected as one Envoy EDS
 * cluster named {@link #name()}.
 *
 * @param name cluster name (also the {@code xds:///name} target for proxyless gRPC)
 * @param models model names a request may ask for (routing header values); never empty
 * @param endpoints the servers, sorted by id, ids unique
 * @param affinity the service's own session affinity, or null when its source said nothing (the
 *     configured default {@code cluster.affinity} applies)
 */
public record InferenceService(
    String name, List<String> models, List<Endpoint> endpoints, Affinity affinity) {
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._\\-]{0,127}");

  /** A service whose source says nothing about affinity. */
  public InferenceService(String name, List<String> models, List<Endpoint> endpoints) {
    this(name, models, endpoints, null);
  }

  public InferenceService {
    Objects.requireNonNull(name, "name");
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "service name '"
              + name
              + "' must be 1-128 characters of letters, digits, '.', '_' or '-' and start with a"
              + " letter or digit");
    }
    models = models == null || models.isEmpty() ? List.of(name) : List.copyOf(models);
    for (String m : models) {
      if (m == null || m.isBlank()) {
        throw new IllegalArgumentException("service '" + name + "': model names must not be empty");
      }
    }
    endpoints = endpoints.stream().sorted(Comparator.comparing(Endpoint::id)).toList();
    Set<String> ids = new HashSet<>();
    for (Endpoint e : endpoints) {
      if (!ids.add(e.id())) {
        throw new IllegalArgumentException(
            "service '" + name + "': endpoint " + e.id() + " is listed twice");
      }
    }
  }
}
