package dev.llmxds.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.WeightsConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Speeds are compared within a service: same queue, weights in the ratio of the speeds. */
class LoadBookTest {
  private static final long S = 1_000_000_000L;

  private static Endpoint endpoint(int port) {
    return new Endpoint("127.0.0.1", port, Locality.of("r", "a"), 1, EndpointHealth.HEALTHY, false);
  }

  @Test
  void sameQueueDifferentSpeedsWeighInTheRatioOfTheirSpeeds() {
    LoadBook book = new LoadBook(new WeightPolicy(WeightsConfig.DEFAULT));
    List<Endpoint> endpoints = new ArrayList<>();
    double[] perSequence = {30, 60, 60, 120}; // tokens/s per running sequence
    for (int i = 0; i < perSequence.length; i++) {
      endpoints.add(endpoint(9000 + i));
    }
    endpoints.add(endpoint(9100)); // never scraped
    endpoints.add(endpoint(9101)); // an engine without a token counter
    Fleet fleet = Fleet.of(List.of(new InferenceService("llm", List.of("m"), endpoints)));
    for (int t = 0; t <= 30; t++) {
      for (int i = 0; i < perSequence.length; i++) {
        book.record(
            "llm",
            endpoints.get(i).id(),
            new EngineLoad(8, 2, 0.4, perSequence[i] * 8 * t),
            "vllm",
            t * S);
      }
      book.record("llm", endpoints.get(5).id(), new EngineLoad(8, 2, 0.4), "tgi", t * S);
    }
    WeightTable table = book.table(fleet, WeightTable.EMPTY, 30 * S);
    double median = table.factor("llm", endpoints.get(1).id());
    assertEquals(0.5, table.factor("llm", endpoints.get(0).id()) / median, 1e-9);
    assertEquals(2.0, table.factor("llm", endpoints.get(3).id()) / median, 1e-9);
    assertEquals(median, table.factor("llm", endpoints.get(5).id()), 1e-9, "no counter: median");
    assertEquals(1.0, table.factor("llm", endpoints.get(4).id()), "never scraped: neutral");
  }

  @Test
  void theReferenceIsTheLowerMedianOfEndpointsInRotation() {
    LoadBook book = new LoadBook(new WeightPolicy(WeightsConfig.DEFAULT));
    Endpoint honest = endpoint(9000);
    Endpoint boaster = endpoint(9001);
    Endpoint draining = endpoint(9002).withHealth(EndpointHealth.DRAINING);
    Fleet fleet =
        Fleet.of(
            List.of(new InferenceService("llm", List.of("m"), List.of(honest, boaster, draining))));
    for (int t = 0; t <= 5; t++) {
      book.record("llm", honest.id(), new EngineLoad(8, 0, 0.4, 50.0 * 8 * t), "vllm", t * S);
      book.record("llm", boaster.id(), new EngineLoad(8, 0, 0.4, 400.0 * 8 * t), "vllm", t * S);
      book.record("llm", draining.id(), new EngineLoad(8, 0, 0.4, 900.0 * 8 * t), "vllm", t * S);
    }
    WeightTable table = book.table(fleet, WeightTable.EMPTY, 5 * S);
    WeightPolicy policy = new WeightPolicy(WeightsConfig.DEFAULT);
    double congestion = policy.settle(Double.NaN, policy.factor(2, 0.4)); // on the grid
    assertEquals(
        congestion,
        table.factor("llm", honest.id()),
        1e-9,
        "the honest GPU is the reference: not pulled down by the boaster, nor by the draining one");
    assertEquals(
        WeightsConfig.DEFAULT.speedRange() * congestion,
        table.factor("llm", boaster.id()),
        1e-9,
        "a boaster gets at most speedRange times the reference");
  }

  @Test
  void theTableIsAQueryHeldWithinTheDeadbandOfWhatWasPublished() {
    LoadBook book = new LoadBook(new WeightPolicy(WeightsConfig.DEFAULT));
    Endpoint e = endpoint(9000);
    Fleet fleet = Fleet.of(List.of(new InferenceService("llm", List.of("m"), List.of(e))));
    book.record("llm", e.id(), new EngineLoad(8, 0, 0.4), "vllm", 0);
    WeightTable fresh = book.table(fleet, WeightTable.EMPTY, S);
    assertEquals(fresh, book.table(fleet, WeightTable.EMPTY, S), "asking twice changes nothing");

    double candidate = fresh.factor("llm", e.id()); // on the grid: first publication
    double nearby = candidate * 1.1; // within the 25 % deadband
    WeightTable published = new WeightTable(Map.of("llm", Map.of(e.id(), nearby)));
    assertEquals(nearby, book.table(fleet, published, S).factor("llm", e.id()), "held");
    double far = candidate * 2;
    WeightTable old = new WeightTable(Map.of("llm", Map.of(e.id(), far)));
    double moved = book.table(fleet, old, S).factor("llm", e.id());
    assertTrue(Math.abs(Math.log(moved / candidate)) <= Math.log(2) / 6 + 1e-12, "moved");

    book.retain(Fleet.EMPTY);
    assertEquals(null, book.get("llm", e.id()), "retain forgets endpoints that left");
  }
}
