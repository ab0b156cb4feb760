package dev.llmxds.sim.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.demo.EngineModel;
import dev.llmxds.demo.EngineModel.Prefix;
import dev.llmxds.demo.EngineModel.Request;
import dev.llmxds.demo.EngineModel.Spec;
import org.junit.jupiter.api.Test;

/** The engine model's prefix caching (vLLM's automatic prefix caching) against hand counts. */
class PrefixCacheTest {
  private static final Spec SPEC = new Spec(8, 1000, 4, 100, 10, 0.5, 0.01, 1.0);

  private static EngineModel.Step runOne(EngineModel m, Request r) {
    m.submit(r);
    EngineModel.Step first = m.step();
    while (!m.idle()) {
      m.step();
    }
    return first;
  }

  @Test
  void aFollowUpTurnSkipsTheCachedBlocksOfTheLastTurn() {
    EngineModel m = new EngineModel(SPEC, true);
    // turn 1: 40 prompt tokens = 10 full blocks of 4, cached as they are scheduled
    assertEquals(40, runOne(m, new Request(1, 40, 1, new Prefix(1, 16, 10))).scheduledTokens());
    assertEquals(0.0, m.kvUsage(), "cached blocks nobody holds count as free");
    // turn 2 of the same conversation: 50 tokens, 40 of them cached
    Request next = new Request(2, 50, 1, new Prefix(1, 16, 10));
    assertEquals(40, m.cachedTokens(next));
    assertEquals(10, runOne(m, next).scheduledTokens());
    // another conversation with the same system prompt hits its 16 tokens only
    Request other = new Request(3, 30, 1, new Prefix(1, 16, 11));
    assertEquals(16, m.cachedTokens(other));
    assertEquals(14, runOne(m, other).scheduledTokens());
    // the last token is always recomputed: a 41-token prompt of 40 cached tokens hits 40, 44 → 40
    assertEquals(40, m.cachedTokens(new Request(4, 41, 1, new Prefix(1, 16, 10))));
    assertEquals(40, m.cachedTokens(new Request(5, 44, 1, new Prefix(1, 16, 10))));
    assertEquals(40 + 50 + 30, m.prefixQueriedTokens());
    assertEquals(40 + 16, m.prefixHitTokens());
  }

  @Test
  void theLeastRecentlyFreedBlocksAreEvictedFirst() {
    EngineModel m = new EngineModel(new Spec(8, 1000, 4, 20, 10, 0.5, 0.01, 1.0), true);
    runOne(m, new Request(1, 40, 1, new Prefix(1, 0, 10))); // 10 blocks cached
    runOne(m, new Request(2, 40, 1, new Prefix(2, 0, 20))); // 10 more: the pool is full
    // a third needs 10 blocks: the free queue's head is the never-used and then the oldest
    runOne(m, new Request(3, 40, 1, new Prefix(3, 0, 30)));
    assertEquals(0, m.cachedTokens(new Request(4, 41, 1, new Prefix(1, 0, 10))));
    assertEquals(40, m.cachedTokens(new Request(5, 41, 1, new Prefix(2, 0, 20))));
  }

  @Test
  void underPreemptionEveryBlockComesBackAndEveryRequestFinishes() {
    // a pool of 40 blocks of 4 tokens and conversations that outgrow it: preemptions, hits on
    // blocks other requests hold, evictions; afterwards nothing may be held
    EngineModel m = new EngineModel(new Spec(8, 64, 4, 40, 10, 0.5, 0.01, 1.0), true);
    java.util.Random random = new java.util.Random(3);
    java.util.Set<Long> open = new java.util.HashSet<>();
    for (long id = 0; id < 300; id++) {
      long stream = random.nextInt(6);
      m.submit(
          new Request(
              id, 8 + random.nextInt(60), 1 + random.nextInt(40), new Prefix(1, 8, stream)));
      open.add(id);
      for (int i = random.nextInt(4); i > 0 && !m.idle(); i--) {
        m.step().finished().forEach(open::remove);
      }
    }
    while (!m.idle()) {
      m.step().finished().forEach(open::remove);
    }
    assertEquals(java.util.Set.of(), open);
    assertEquals(0.0, m.kvUsage());
    org.junit.jupiter.api.Assertions.assertTrue(m.preemptionsTotal() > 0, "the test must preempt");
    org.junit.jupiter.api.Assertions.assertTrue(m.prefixHitTokens() > 0, "and hit");
  }

  @Test
  void withoutPrefixCachingNothingIsSkipped() {
    EngineModel m = new EngineModel(SPEC);
    runOne(m, new Request(1, 40, 1, new Prefix(1, 16, 10)));
    Request next = new Request(2, 50, 1, new Prefix(1, 16, 10));
    assertEquals(0, m.cachedTokens(next));
    assertEquals(50, runOne(m, next).scheduledTokens());
  }
}
