package dev.llmxds.fleet;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/** Every inference service and its endpoints at one moment. Immutable; equal when same content. */
public record Fleet(SortedMap<String, InferenceService> services) {
  public static final Fleet EMPTY = new Fleet(new TreeMap<>());

  public Fleet {
    services = java.util.Collections.unmodifiableSortedMap(new TreeMap<>(services));
    Map<String, String> modelOwner = new HashMap<>();
    for (InferenceService s : services.values()) {
      for (String model : s.models()) {
        String previous = modelOwner.putIfAbsent(model, s.name());
        if (previous != null && !previous.equals(s.name())) {
          throw new IllegalArgumentException(
              "model '" + model + "' is served by both '" + previous + "' and '" + s.name() + "'");
        }
      }
    }
  }

  public static Fleet of(Collection<InferenceService> services) {
    TreeMap<String, InferenceService> map = new TreeMap<>();
    for (InferenceService s : services) {
      if (map.put(s.name(), s) != null) {
        throw new IllegalArgumentException("service '" + s.name() + "' is defined twice");
      }
    }
    return new Fleet(map);
  }

  public Optional<InferenceService> service(String name) {
    return Optional.ofNullable(services.get(name));
  }

  public int endpointCount() {
    return services.values().stream().mapToInt(s -> s.endpoints().size()).sum();
  }
}
