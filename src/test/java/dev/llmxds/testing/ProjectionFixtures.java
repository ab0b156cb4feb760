package dev.llmxds.testing;

import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import java.util.List;

/** A two-region fleet used by the projection tests: r1 = zones a, b; r2 = zone c; r3 = zone d. */
public final class ProjectionFixtures {
  private ProjectionFixtures() {}

  public static Endpoint ep(int port, String region, String zone) {
    return new Endpoint(
        "10.0.0.1", port, Locality.of(region, zone), 1, EndpointHealth.HEALTHY, false);
  }

  public static Endpoint backup(int port, String region, String zone) {
    return new Endpoint(
        "10.0.0.1", port, Locality.of(region, zone), 1, EndpointHealth.HEALTHY, true);
  }

  public static Fleet fleet(Endpoint... endpoints) {
    return Fleet.of(
        List.of(new InferenceService("llama", List.of("llama-3-8b"), List.of(endpoints))));
  }
}
