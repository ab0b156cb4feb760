package dev.llmxds.weighting;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.WeightsConfig;
import dev.llmxds.fleet.EngineLoad;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Properties of the weight policy: monotone, bounded, stable under noise, stale decay. */
class WeightPolicyTest {
  private static final long S = Duration.ofSeconds(1).toNanos();
  private final WeightPolicy policy = new WeightPolicy(WeightsConfig.DEFAULT);

  @Test
  void monotoneInQueueAndKvAndBounded() {
    Random random = new Random(1);
    for (int i = 0; i < 10_000; i++) {
      double load = random.nextDouble() * 500;
      double kv = random.nextDouble();
      double f = policy.factor(load, kv);
      assertTrue(f <= WeightPolicy.MAX_FACTOR && f > policy.minFactor(), "bounded: " + f);
      assertTrue(
          policy.factor(load + 1 + random.nextDouble() * 10, kv) < f, "more queue, less weight");
      double moreKv = Math.min(1, kv + 0.05);
      assertTrue(policy.factor(load, moreKv) <= f, "more KV usage, never more weight");
    }
    assertEquals(2.0, policy.factor(0, 0), 1e-12, "idle");
    assertEquals(2.0, policy.factor(0, 0.7), 1e-12, "KV below the knee costs nothing");
    assertTrue(policy.factor(0, 1.0) < 1.0, "a full KV cache alone drops below neutral");
    assertTrue(
        policy.factor(1e9, 1.0) / policy.factor(0, 0) >= 1 / WeightsConfig.DEFAULT.maxRatio());
  }

  @Test
  void smoothingFollowsAStepWithItsTimeConstant() {
    LoadState s = policy.observe(null, new EngineLoad(0, 0, 0.1), 0);
    assertEquals(0, s.load());
    s = policy.observe(s, new EngineLoad(0, 10, 0.1), 5 * S); // one time constant (5 s)
    assertEquals(10 * (1 - Math.exp(-1)), s.load(), 1e-9);
    for (int t = 6; t < 60; t++) {
      s = policy.observe(s, new EngineLoad(0, 10, 0.1), t * S);
    }
    assertEquals(10, s.load(), 0.01);
  }

  @Test
  void noiseDoesNotMoveThePublishedFactor() {
    Random random = new Random(3);
    LoadState s = null;
    double published = Double.NaN;
    int changes = 0;
    for (int t = 0; t < 600; t++) { // 10 minutes at 1 Hz, queue 6 ± 1, KV 0.5 ± 0.05
      EngineLoad noisy =
          new EngineLoad(16, 6 + random.nextGaussian(), 0.5 + 0.05 * random.nextGaussian());
      s =
          policy.observe(
              s,
              new EngineLoad(noisy.running(), Math.max(0, noisy.waiting()), noisy.kvUsage()),
              t * S);
      double settled = policy.settle(published, policy.factor(s, t * S));
      if (!Double.isNaN(published) && settled != published) {
        changes++;
      }
      published = settled;
    }
    assertTrue(changes <= 2, changes + " weight changes under pure noise");
  }

  @Test
  void aRealChangeGetsThroughTheDeadband() {
    double published = policy.settle(Double.NaN, policy.factor(2, 0.3));
    double busy = policy.factor(20, 0.3);
    double moved = policy.settle(published, busy);
    assertTrue(Math.abs(step(moved) - step(busy)) <= 0.5 + 1e-9, moved + " " + busy);
    assertEquals(published, policy.settle(published, published * 1.05));
  }

  /** The step index of a published factor on the default grid, 2^(1/3) a step. */
  private static double step(double factor) {
    return Math.log(factor) / (Math.log(2) / 3);
  }

  @Test
  void publishedFactorsLieOnTheLogGridWithinHalfAStepOfTheCandidate() {
    Random random = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      double candidate = Math.exp(random.nextGaussian());
      double first = policy.settle(Double.NaN, candidate);
      assertEquals(Math.rint(step(first)), step(first), 1e-9, "on the grid: " + first);
      assertTrue(Math.abs(step(first) - step(candidate)) <= 0.5 + 1e-9, candidate + " " + first);
    }
    assertEquals(1.0, policy.settle(Double.NaN, 1.04), "neutral is a grid point");
  }

  @Test
  void aPublishedStepMovesOnlyPastItsBoundaryPlusTheHysteresis() {
    double published = policy.settle(Double.NaN, 1.0); // step 0
    double up = Math.pow(2, 1 / 3.0);
    double inside = Math.pow(up, 0.5 + 0.45 - 0.01); // past the boundary, within hysteresis
    double beyond = Math.pow(up, 0.5 + 0.45 + 0.01);
    assertEquals(published, policy.settle(published, inside));
    assertEquals(up, policy.settle(published, beyond), 1e-12);
    assertEquals(published, policy.settle(published, 1 / inside));
    assertEquals(1 / up, policy.settle(published, 1 / beyond), 1e-12);
    assertEquals(2.0, policy.settle(Double.NaN, 2.0), 1e-12, "doublings are grid points");
    assertEquals(0.25, policy.settle(Double.NaN, 0.25), 1e-12);
  }

  @Test
  void twoReplicasWithSlightlyDifferentCandidatesPublishTheSameStepMostOfTheTime() {
    // the same load seen by two replicas: candidates that differ by a few percent, and histories
    // that differ; they disagree only while a candidate sits at a step boundary
    Random random = new Random(11);
    int differ = 0;
    int maxSteps = 0;
    double a = Double.NaN;
    double b = Double.NaN;
    double load = 1.0;
    int n = 100_000;
    double oldA = Double.NaN; // the previous rule: a 25 % deadband around each replica's own value
    double oldB = Double.NaN;
    int oldDiffer = 0;
    for (int i = 0; i < n; i++) {
      load *= Math.exp(random.nextGaussian() * 0.02); // a slow random walk of the true factor
      load = Math.min(8, Math.max(0.125, load));
      double seenA = load * Math.exp(random.nextGaussian() * 0.03);
      double seenB = load * Math.exp(random.nextGaussian() * 0.03);
      a = policy.settle(a, seenA);
      b = policy.settle(b, seenB);
      oldA = Double.isNaN(oldA) || Math.abs(seenA - oldA) / oldA > 0.25 ? seenA : oldA;
      oldB = Double.isNaN(oldB) || Math.abs(seenB - oldB) / oldB > 0.25 ? seenB : oldB;
      if (oldA != oldB) {
        oldDiffer++;
      }
      if (a != b) {
        differ++;
        maxSteps = Math.max(maxSteps, (int) Math.round(Math.abs(step(a) - step(b))));
      }
    }
    System.out.printf(
        "replica agreement: differ in %.1f %% of %d ticks, at most %d step (deadband alone: %.1f"
            + " %%)%n",
        100.0 * differ / n, n, maxSteps, 100.0 * oldDiffer / n);
    assertTrue(maxSteps <= 1, "never more than one step apart: " + maxSteps);
    assertTrue(differ < n * 0.25, "the same step most of the time: differ " + differ + "/" + n);
  }

  @Test
  void staleFiguresDecayTowardNeutralNeverToZeroOrMaximum() {
    LoadState busy = new LoadState(40, 0.95, 0);
    LoadState idle = new LoadState(0, 0, 0);
    double freshBusy = policy.factor(busy, 3 * S);
    assertEquals(policy.factor(40, 0.95), freshBusy, "fresh up to staleAfter (3 s)");
    double halfLife = policy.factor(busy, 8 * S);
    assertEquals(
        1 + (freshBusy - 1) / 2, halfLife, 1e-9, "one half-life later, halfway to neutral");
    assertEquals(1.0, policy.factor(busy, 300 * S), 1e-6);
    assertTrue(
        policy.factor(idle, 8 * S) < WeightPolicy.MAX_FACTOR,
        "an idle but stale engine loses its bonus");
    assertEquals(1.0, policy.factor(null, 0), "never scraped: the static weight");
    assertFalse(policy.faded(busy, 3 * S + 6 * 5 * S), "six half-lives after staleAfter: not yet");
    assertTrue(policy.faded(busy, 3 * S + 6 * 5 * S + 1), "then gone: neutral past the deadband");
  }

  @Test
  void staticWeightIsRespected() {
    // same load, twice the static weight: twice the integer weight
    double f = policy.factor(3, 0.4);
    assertEquals(2 * EndpointWeights.weight(3, f), EndpointWeights.weight(6, f), 1);
    assertEquals(300, EndpointWeights.weight(3, 1.0), "neutral: static × 100");
    assertEquals(1, EndpointWeights.weight(1, 1e-9), "never 0");
  }

  @Test
  void monotoneInSpeedBoundedByTheRangeAndMedianForUnknown() {
    Random random = new Random(7);
    double range = WeightsConfig.DEFAULT.speedRange();
    for (int i = 0; i < 10_000; i++) {
      double reference = 1 + random.nextDouble() * 200;
      double speed = random.nextDouble() * 400;
      double r = policy.relativeSpeed(speed, reference);
      assertTrue(r >= 1 / range && r <= range, "bounded: " + r);
      assertTrue(policy.relativeSpeed(speed * 1.1 + 1, reference) >= r, "faster, never less");
      assertTrue(policy.relativeSpeed(speed, reference * 1.1 + 1) <= r, "slower peers, never less");
    }
    assertEquals(1.0, policy.relativeSpeed(Double.NaN, 80), "unknown counts at the median");
    assertEquals(1.0, policy.relativeSpeed(80, Double.NaN), "no reference: congestion alone");
    assertEquals(0.5, policy.relativeSpeed(40, 80), 1e-12);
    assertEquals(1 / range, policy.relativeSpeed(0, 80), "a stalled GPU keeps a floor, never 0");
  }

  @Test
  void factorIsSpeedTimesCongestionAndNeverZero() {
    LoadState slow = new LoadState(4, 0.3, 0, new Throughput(100, 8, 0, 40, 0));
    LoadState fast = new LoadState(4, 0.3, 0, new Throughput(100, 8, 0, 80, 0));
    LoadState unknown = new LoadState(4, 0.3, 0);
    double congestion = policy.factor(4, 0.3);
    assertEquals(0.5 * congestion, policy.factor(slow, 80, S), 1e-12);
    assertEquals(congestion, policy.factor(fast, 80, S), 1e-12);
    assertEquals(congestion, policy.factor(unknown, 80, S), 1e-12, "unknown: median speed");
    assertEquals(
        2 * policy.factor(slow, 60, S), policy.factor(fast, 60, S), 1e-12, "same queue: speed");
    long old = WeightsConfig.DEFAULT.speedStaleAfter().toNanos() + 1;
    assertEquals(
        policy.factor(new LoadState(4, 0.3, old), 80, old),
        policy.factor(new LoadState(4, 0.3, old, slow.throughput()), 80, old),
        1e-12,
        "an estimate older than speedStaleAfter counts at the median");
    Random random = new Random(11);
    for (int i = 0; i < 10_000; i++) {
      double speed = random.nextDouble() * 300;
      LoadState s =
          new LoadState(
              random.nextDouble() * 1_000,
              random.nextDouble(),
              0,
              new Throughput(0, 1, 0, speed, 0));
      double f = policy.factor(s, 1 + random.nextDouble() * 300, S);
      assertTrue(f > 0 && Double.isFinite(f), "never 0: " + f);
      assertTrue(EndpointWeights.weight(1, f) >= EndpointWeights.MIN);
    }
  }
}
