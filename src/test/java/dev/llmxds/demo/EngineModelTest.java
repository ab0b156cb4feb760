package dev.llmxds.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.demo.EngineModel.Request;
import dev.llmxds.demo.EngineModel.Spec;
import dev.llmxds.demo.EngineModel.Step;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The vLLM V1 scheduler model against hand-computed steps. */
class EngineModelTest {
  /**
   * Spec with the scheduling limits given and step time {@code 10 + 0.5 × tokens + 0.01 × context}
   * ms.
   */
  private static Spec spec(int maxNumSeqs, int budget, int blockSize, int blocks) {
    return new Spec(maxNumSeqs, budget, blockSize, blocks, 10, 0.5, 0.01, 1.0);
  }

  private static List<Long> ids(long... ids) {
    return java.util.Arrays.stream(ids).boxed().toList();
  }

  @Test
  void stepTimesFollowScheduledTokensAndContext() {
    EngineModel m = new EngineModel(spec(8, 100, 4, 100));
    m.submit(new Request(1, 40, 3));
    m.submit(new Request(2, 20, 2));

    // both prefill: 60 tokens, context 40 + 20: 10 + 0.5 × 60 + 0.01 × 60 = 40.6 ms
    Step first = m.step();
    assertEquals(40_600_000, first.durationNanos());
    assertEquals(60, first.scheduledTokens());
    assertEquals(ids(1, 2), first.firstTokens());
    assertEquals(ids(1, 2), first.tokens());
    assertEquals((10 + 5) / 100.0, m.kvUsage(), 1e-12, "40 and 20 tokens in blocks of 4");

    // two decodes, contexts 41 and 21: 10 + 0.5 × 2 + 0.01 × 62 = 11.62 ms
    Step second = m.step();
    assertEquals(11_620_000, second.durationNanos());
    assertEquals(List.of(), second.firstTokens());
    assertEquals(ids(1, 2), second.tokens());
    assertEquals(ids(2), second.finished());
    assertEquals(1, m.running());

    // one decode, context 42: 10 + 0.5 + 0.42 = 10.92 ms
    Step third = m.step();
    assertEquals(10_920_000, third.durationNanos());
    assertEquals(ids(1), third.finished());
    assertTrue(m.idle());
    assertEquals(0, m.kvUsage());
    assertEquals(60, m.promptTokensTotal());
    assertEquals(5, m.generationTokensTotal());
  }

  @Test
  void aFasterGpuRunsTheSameStepsInLessTimeWithTheSameCapacity() {
    Spec slow = spec(4, 64, 4, 60);
    EngineModel a = new EngineModel(slow);
    EngineModel b = new EngineModel(slow.withSpeed(2.0));
    Random random = new Random(3);
    for (int i = 0; i < 12; i++) {
      Request r = new Request(i, 1 + random.nextInt(100), 1 + random.nextInt(60));
      a.submit(r);
      b.submit(r);
    }
    int preemptions = 0;
    while (!a.idle()) {
      Step sa = a.step();
      Step sb = b.step();
      assertEquals(sa.durationNanos() / 2.0, sb.durationNanos(), 1.0);
      assertEquals(sa.tokens(), sb.tokens());
      assertEquals(sa.preempted(), sb.preempted());
      assertEquals(a.runningIds(), b.runningIds());
      assertEquals(a.waitingIds(), b.waitingIds());
      assertEquals(a.kvUsage(), b.kvUsage());
      preemptions += sa.preempted().size();
    }
    assertTrue(b.idle());
    assertTrue(preemptions > 0, "the workload reaches the KV limit");
  }

  @Test
  void chunkedPrefillSplitsALongPromptWithinTheBudget() {
    EngineModel m = new EngineModel(spec(8, 64, 16, 1000));
    m.submit(new Request(1, 150, 2));
    m.submit(new Request(2, 10, 1));

    Step s1 = m.step(); // the long prompt takes the whole budget; the short one waits
    assertEquals(64, s1.scheduledTokens());
    assertEquals(List.of(), s1.tokens());
    assertEquals(ids(1), m.runningIds());
    assertEquals(ids(2), m.waitingIds());
    assertEquals(Math.round((10 + 0.5 * 64 + 0.01 * 64) * 1e6), s1.durationNanos());

    Step s2 = m.step(); // as a running request it goes first again: 64 more
    assertEquals(64, s2.scheduledTokens());
    assertEquals(List.of(), s2.tokens());
    assertEquals(Math.round((10 + 0.5 * 64 + 0.01 * 128) * 1e6), s2.durationNanos());

    Step s3 = m.step(); // the last 22 finish its prefill: first token; the short one fits too
    assertEquals(22 + 10, s3.scheduledTokens());
    assertEquals(ids(1, 2), s3.firstTokens());
    assertEquals(ids(2), s3.finished());
    assertEquals(Math.round((10 + 0.5 * 32 + 0.01 * (150 + 10)) * 1e6), s3.durationNanos());

    Step s4 = m.step();
    assertEquals(1, s4.scheduledTokens());
    assertEquals(ids(1), s4.finished());
    assertEquals(160, m.promptTokensTotal());
  }

  @Test
  void decodesAreScheduledBeforeNewPrefills() {
    EngineModel m = new EngineModel(spec(8, 32, 16, 1000));
    m.submit(new Request(1, 16, 5));
    assertEquals(ids(1), m.step().firstTokens());
    m.submit(new Request(2, 100, 1));
    for (int i = 0; i < 3; i++) {
      Step s = m.step(); // request 1 decodes, request 2 gets the 31 tokens left: 31, 62, 93
      assertEquals(32, s.scheduledTokens());
      assertEquals(ids(1), s.tokens());
    }
    Step last = m.step(); // 1 decode + the last 7 of the prompt
    assertEquals(8, last.scheduledTokens());
    assertEquals(ids(1, 2), last.tokens());
    assertEquals(ids(2), last.firstTokens());
    assertEquals(ids(1, 2), last.finished());
  }

  @Test
  void theKvCacheGrowsABlockAtATime() {
    EngineModel m = new EngineModel(spec(8, 100, 16, 10));
    m.submit(new Request(1, 16, 30));
    m.step();
    assertEquals(0.1, m.kvUsage(), 1e-12, "16 prompt tokens: one block, nothing reserved");
    for (int computed = 17; computed < 16 + 29; computed++) {
      m.step(); // computes the token generated last
      int blocks = (computed + 15) / 16;
      assertEquals(blocks / 10.0, m.kvUsage(), 1e-12, computed + " tokens computed");
    }
    assertEquals(ids(1), m.step().finished(), "the 30th token needs 45 computed, 3 blocks");
    assertTrue(m.idle());
    assertEquals(0, m.kvUsage());

    assertThrows(IllegalArgumentException.class, () -> m.submit(new Request(9, 150, 11)));
    m.submit(new Request(10, 150, 10)); // 160 tokens: the whole cache
  }

  @Test
  void whenBlocksRunOutTheLastRunningRequestIsPreemptedAndRecomputedLater() {
    EngineModel m = new EngineModel(spec(8, 1000, 4, 10)); // 40 tokens of KV
    for (long id = 1; id <= 3; id++) {
      m.submit(new Request(id, 12, 20));
    }
    m.step(); // three prompts of 12: 3 blocks each, 1 free
    assertEquals(0.9, m.kvUsage(), 1e-12);
    m.submit(new Request(4, 4, 1));

    // request 1 takes the free block for its 13th token; request 2 needs one too: the last
    // running request, 3, is preempted, and no waiting request is admitted in this step
    Step s2 = m.step();
    assertEquals(ids(3), s2.preempted());
    assertEquals(ids(1, 2), s2.tokens());
    assertEquals(2, s2.scheduledTokens());
    assertEquals(ids(1, 2), m.runningIds());
    assertEquals(ids(3, 4), m.waitingIds(), "the preempted request goes to the front");
    assertEquals(2, m.running());
    assertEquals(2, m.waiting());
    assertEquals(1, m.preemptionsTotal());
    assertEquals(0.8, m.kvUsage(), 1e-12);

    // request 3 needs 4 blocks for 13 tokens, only 2 are free: the queue waits behind it
    for (int step = 3; step <= 9; step++) {
      Step s = m.step();
      assertEquals(List.of(), s.preempted());
      assertEquals(ids(1, 2), s.tokens());
    }
    // both at 20 tokens computed, 5 blocks each; request 1 needs a 6th: request 2 is preempted
    Step s10 = m.step();
    assertEquals(ids(2), s10.preempted());
    assertEquals(ids(1), m.runningIds());
    assertEquals(ids(2, 3, 4), m.waitingIds());
    assertEquals(2, m.preemptionsTotal());

    Step s;
    do {
      s = m.step();
    } while (s.finished().isEmpty());
    assertEquals(ids(1), s.finished());
    // recomputation: request 2's 12 prompt + 9 generated tokens, request 3's 12 + 1, and both
    // produce their next token (not a first token); request 4 no longer fits
    Step resumed = m.step();
    assertEquals(21 + 13, resumed.scheduledTokens());
    assertEquals(ids(2, 3), resumed.tokens());
    assertEquals(List.of(), resumed.firstTokens());
    assertEquals(ids(4), m.waitingIds());

    while (!m.idle()) {
      m.step();
    }
    assertEquals(3 * 20 + 1, m.generationTokensTotal());
    assertEquals(3 * 12 + 4, m.promptTokensTotal(), "a recomputed prompt is not counted again");
  }

  @Test
  void aRequestThatCannotGrowAndIsLastPreemptsItself() {
    EngineModel m = new EngineModel(spec(8, 1000, 4, 8));
    m.submit(new Request(1, 13, 10)); // 4 blocks, room for 16 tokens
    m.submit(new Request(2, 16, 10)); // 4 blocks, full
    m.step();
    assertEquals(1.0, m.kvUsage(), 1e-12);

    Step s = m.step(); // request 2 needs a 5th block; nobody after it to preempt
    assertEquals(ids(2), s.preempted());
    assertEquals(ids(1), s.tokens());
    assertEquals(ids(1), m.runningIds());
    assertEquals(ids(2), m.waitingIds());
    assertEquals(0.5, m.kvUsage(), 1e-12);

    // it needs 5 blocks for its 17 tokens; request 1 grows to 6 of the 8: it waits for it to end
    Step next;
    do {
      next = m.step();
      assertEquals(ids(2), m.waitingIds());
    } while (next.finished().isEmpty());
    assertEquals(ids(1), next.finished());
    Step resumed = m.step();
    assertEquals(17, resumed.scheduledTokens());
    assertEquals(ids(2), resumed.tokens());
  }

  @Test
  void maxNumSeqsCapsTheRunningListAndAdmissionIsFifo() {
    EngineModel m = new EngineModel(spec(2, 1000, 4, 100));
    m.submit(new Request(1, 10, 3));
    m.submit(new Request(2, 10, 5));
    m.submit(new Request(3, 10, 5));
    Step s1 = m.step();
    assertEquals(ids(1, 2), s1.firstTokens());
    assertEquals(2, m.running());
    assertEquals(1, m.waiting());
    m.step();
    Step s3 = m.step();
    assertEquals(ids(1), s3.finished());
    assertEquals(ids(3), m.waitingIds(), "admitted only at the next step");
    Step s4 = m.step();
    assertEquals(ids(3), s4.firstTokens());
    assertEquals(ids(2, 3), m.runningIds());

    // a head request that does not fit blocks the ones behind it, even if they would fit
    EngineModel kv = new EngineModel(spec(8, 1000, 4, 10));
    kv.submit(new Request(1, 20, 10)); // 5 blocks, growing to 8
    kv.step();
    kv.step();
    kv.step();
    kv.step();
    kv.step(); // 24 tokens computed: 6 blocks, 4 free
    kv.submit(new Request(2, 20, 1)); // needs 5
    kv.submit(new Request(3, 4, 1)); // needs 1
    Step blocked = kv.step();
    assertEquals(ids(1), blocked.tokens());
    assertEquals(ids(2, 3), kv.waitingIds());
  }

  @Test
  void aWaitingPromptIsAdmittedOnlyIfAllOfItFitsThoughOnlyAChunkIsAllocated() {
    EngineModel m = new EngineModel(spec(8, 8, 4, 10)); // 8 tokens a step, 40 of KV
    m.submit(new Request(1, 8, 20));
    m.step(); // 2 blocks, 8 free
    m.submit(new Request(2, 36, 1)); // a first chunk of 7 would fit, all 36 would not
    for (int i = 0; i < 3; i++) {
      Step s = m.step();
      assertEquals(1, s.scheduledTokens());
      assertEquals(ids(2), m.waitingIds());
    }
    m.submit(new Request(3, 1, 1));
    assertEquals(1, m.step().scheduledTokens(), "no skipping ahead either");

    EngineModel room = new EngineModel(spec(8, 8, 4, 10));
    room.submit(new Request(1, 8, 20));
    room.step();
    // request 1's decode takes a 3rd block first; then 28 tokens need the 7 left: admitted
    room.submit(new Request(2, 28, 1));
    Step s = room.step();
    assertEquals(8, s.scheduledTokens(), "one decode and a chunk of 7");
    assertEquals(ids(1, 2), room.runningIds());
    assertEquals(0.5, room.kvUsage(), 1e-12, "3 blocks for 9 tokens, 2 for the chunk of 7");
  }
}
