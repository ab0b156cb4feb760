package dev.llmxds.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.demo.EngineModel.Request;
import dev.llmxds.demo.EngineModel.Spec;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The continuous-batching model against hand-computed steps. */
class EngineModelTest {
  private static final long MS = 1_000_000;

  @Test
  void stepTimesFollowBatchSizePrefillAndSpeed() {
    // base 10 ms, 1 ms per sequence, 100 ms per 1k prompt tokens, twice as fast as the reference
    EngineModel m = new EngineModel(new Spec(8, 10, 1, 100, 10_000, 2.0));
    m.submit(new Request(1, 500, 2));
    m.submit(new Request(2, 500, 2));

    EngineModel.Step first = m.step(); // admits both: (10 + 1×2 + 100×1000/1000) / 2 = 56 ms
    assertEquals(56 * MS, first.durationNanos());
    assertEquals(List.of(1L, 2L), first.firstTokens());
    assertEquals(2, m.running());
    assertEquals((1000 + 2) / 10_000.0, m.kvUsage(), 1e-12);

    EngineModel.Step second = m.step(); // decode only: (10 + 2) / 2 = 6 ms
    assertEquals(6 * MS, second.durationNanos());
    assertEquals(List.of(1L, 2L), second.finished());
    assertTrue(m.idle());
    assertEquals(0, m.kvUsage());
  }

  @Test
  void requestsBeyondTheBatchOrTheKvCacheWait() {
    EngineModel m = new EngineModel(new Spec(2, 1, 0, 0, 1_000, 1.0));
    m.submit(new Request(1, 100, 10));
    m.submit(new Request(2, 100, 10));
    m.submit(new Request(3, 100, 10)); // batch full
    m.step();
    assertEquals(2, m.running());
    assertEquals(1, m.waiting());

    EngineModel kvBound = new EngineModel(new Spec(8, 1, 0, 0, 1_000, 1.0));
    kvBound.submit(new Request(1, 400, 200));
    kvBound.submit(new Request(2, 400, 200)); // 600 + 600 > 1000 reserved
    kvBound.step();
    assertEquals(1, kvBound.running());
    assertEquals(1, kvBound.waiting());
    for (int i = 0; i < 199; i++) {
      kvBound.step();
    }
    assertEquals(0, kvBound.running(), "first finished after 200 tokens");
    kvBound.step();
    assertEquals(1, kvBound.running(), "second admitted once the cache freed");
    assertThrows(IllegalArgumentException.class, () -> kvBound.submit(new Request(9, 900, 200)));
  }
}
