package dev.llmxds.sim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.demo.EngineModel;
import dev.llmxds.sim.kernel.Clock;
import dev.llmxds.sim.workload.Request;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine in simulated time against hand-computed step times. */
class SimEngineTest {
  @Test
  void stepTimesScaleWithSpeedAndSpeedCanChange() {
    Clock clock = new Clock();
    List<Request> done = new ArrayList<>();
    // base 10 ms, 0.1 ms per scheduled token, 0.001 ms per context token, twice the reference
    SimEngine engine =
        new SimEngine(
            0,
            "a",
            new EngineModel.Spec(8, 8192, 16, 10_000, 10, 0.1, 0.001, 2.0),
            clock,
            done::add);
    Request r = new Request(1, 0, 1000, 3, 0);
    engine.submit(r);
    clock.run(10);
    // step 1, the prefill: (10 + 0.1 × 1000 + 0.001 × 1000) / 2 = 55.5 ms → first token;
    // steps 2 and 3 decode with contexts 1001 and 1002: (10 + 0.1 + 1.001|1.002) / 2
    assertEquals(0.0555, r.firstToken, 1e-9);
    assertEquals(0.0555 + 0.0055505 + 0.005551, r.done, 1e-9);
    assertEquals(List.of(r), done);

    engine.speed(1.0);
    Request slow = new Request(2, clock.now(), 1000, 1, 0);
    engine.submit(slow);
    clock.run(20);
    assertEquals(10 + 0.111, slow.done, 1e-9, "same step at half the speed: 111 ms");
  }

  @Test
  void aKilledEngineFailsItsRequests() {
    Clock clock = new Clock();
    List<Request> done = new ArrayList<>();
    SimEngine engine = new SimEngine(0, "a", EngineModel.Spec.DEFAULT, clock, done::add);
    engine.submit(new Request(1, 0, 100, 1000, 0));
    clock.run(0.1);
    engine.kill();
    assertEquals(1, done.size());
    assertEquals(true, Double.isNaN(done.get(0).done));
  }
}
