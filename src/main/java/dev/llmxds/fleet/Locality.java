package dev.llmxds.fleet;

import java.util.Objects;

/**
 * Where an endpoint (or an Envoy node) runs: a region and a zone inside it. Empty means unknown.
 */
public record Locality(String region, String zone) implements Comparable<Locality> {
  public static final Locality NONE = new Locality("", "");

  public Locality {
    region = Objects.requireNonNullElse(region, "").strip();
    zone = Objects.requireNonNullElse(zone, "").strip();
  }

  public static Locality of(String region, String zone) {
    return new Locality(region, zone);
  }

  public boolean isKnown() {
    return !region.isEmpty() || !zone.isEmpty();
  }

  @Override
  public int compareTo(Locality o) {
    int c = region.compareTo(o.region);
    return c != 0 ? c : zone.compareTo(o.zone);
  }

  @Override
  public String toString() {
    return isKnown() ? region + "/" + zone : "-";
  }
}
