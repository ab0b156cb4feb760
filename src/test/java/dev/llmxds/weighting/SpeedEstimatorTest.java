package dev.llmxds.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The per-sequence decode rate from the generated-token counter, and what it refuses to learn. */
class SpeedEstimatorTest {
  private static final long S = 1_000_000_000L;
  private final SpeedEstimator instant = new SpeedEstimator(Duration.ZERO, Duration.ofSeconds(30));
  private final SpeedEstimator smoothed =
      new SpeedEstimator(Duration.ofSeconds(5), Duration.ofSeconds(30));

  @Test
  void rateIsTokensPerSecondPerMeanRunningSequence() {
    Throughput t = instant.next(null, 1_000, 8, 0);
    assertFalse(t.knowsSpeed(), "one read is no rate");
    // 1,200 tokens in 2 s while running went 8 → 4 (mean 6): 100 tokens/s per sequence
    t = instant.next(t, 2_200, 4, 2 * S);
    assertEquals(100, t.speed(), 1e-9);
    assertEquals(2 * S, t.speedNanos());
  }

  @Test
  void smoothingFollowsAStepWithItsTimeConstant() {
    Throughput t = smoothed.next(null, 0, 10, 0);
    t = smoothed.next(t, 500, 10, S); // 50 tokens/s per sequence, first estimate taken as is
    assertEquals(50, t.speed(), 1e-9);
    double tokens = 500;
    for (int i = 2; i <= 6; i++) { // five seconds at 100 tokens/s per sequence
      tokens += 1_000;
      t = smoothed.next(t, tokens, 10, i * S);
    }
    assertEquals(100 - 50 * Math.exp(-1), t.speed(), 1e-9, "one time constant of a step");
  }

  @Test
  void idleEnginesTellNothing() {
    Throughput t = instant.next(null, 0, 10, 0);
    t = instant.next(t, 800, 6, S); // mean 8 → 100
    t = instant.next(t, 800, 0, 2 * S); // mean 3, no tokens: a stall, rate 0 is learned
    assertEquals(0, t.speed(), 1e-9);
    t = instant.next(t, 800, 0, 3 * S); // nothing running either side: skipped
    assertEquals(0, t.speed(), 1e-9);
    assertEquals(2 * S, t.speedNanos(), "the estimate keeps its age");
    t = instant.next(t, 1_000, 0, 4 * S); // a request came and went between reads: skipped
    assertEquals(2 * S, t.speedNanos());
    assertEquals(1_000, t.tokens(), "but the baseline moves on");
  }

  @Test
  void counterResetKeepsTheEstimateAndTakesANewBaseline() {
    Throughput t = instant.next(null, 5_000, 4, 0);
    t = instant.next(t, 5_400, 4, S); // 100
    t = instant.next(t, 30, 4, 2 * S); // engine restarted: counter back near 0
    assertEquals(100, t.speed(), 1e-9);
    assertEquals(30, t.tokens());
    t = instant.next(t, 230, 4, 3 * S); // 200 tokens / 4 sequences
    assertEquals(50, t.speed(), 1e-9);
  }

  @Test
  void missingCounterGarbageAndFrozenClockAreSkipped() {
    Throughput t = instant.next(null, Double.NaN, 4, 0);
    assertFalse(t.knowsSpeed());
    t = instant.next(t, 100, 4, S);
    t = instant.next(t, 500, 4, 2 * S); // 100
    t = instant.next(t, Double.NaN, 4, 3 * S); // counter vanished: keep the estimate
    assertEquals(100, t.speed(), 1e-9);
    assertTrue(Double.isNaN(t.tokens()));
    t = instant.next(t, 600, 4, 4 * S);
    t = instant.next(t, 600 + 1e12, 4, 5 * S); // absurd jump: not a GPU
    assertEquals(100, t.speed(), 1e-9);
    Throughput same = instant.next(t, 2e12, 4, 5 * S); // clock did not move
    assertEquals(t, same);
  }

  @Test
  void aLongGapIsANewBaselineAndAnOldEstimateIsReplacedNotBlended() {
    Throughput t = smoothed.next(null, 0, 4, 0);
    t = smoothed.next(t, 400, 4, S); // 100
    t = smoothed.next(t, 100_400, 4, 61 * S); // 60 s of failed scrapes, then a read: skipped
    assertEquals(100, t.speed(), 1e-9);
    assertEquals(S, t.speedNanos());
    t = smoothed.next(t, 100_600, 4, 62 * S); // 50, but the estimate is 61 s old: taken as is
    assertEquals(50, t.speed(), 1e-9);
  }

  @Test
  void ratesBeyondAnyGpuAreRefused() {
    Throughput t = instant.next(null, 0, 1, 0);
    t = instant.next(t, 200, 1, S); // 200 tokens/s for one sequence: plausible
    assertEquals(200, t.speed(), 1e-9);
    t = instant.next(t, 200 + 6_000, 1, 2 * S); // 6,000 tokens/s per sequence: a lie
    assertEquals(200, t.speed(), 1e-9);
  }
}
