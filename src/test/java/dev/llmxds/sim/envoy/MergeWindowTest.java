package dev.llmxds.sim.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import org.junit.jupiter.api.Test;

/** The update merge window as Envoy's cluster manager applies it, on a hand-driven clock. */
class MergeWindowTest {
  private static final long MS = 1_000_000;

  /** A timer queue run by hand, and the times at which updates took effect. */
  private static final class Harness {
    private record Due(long at, long seq, Runnable action) {}

    final PriorityQueue<Due> timers =
        new PriorityQueue<>(
            (a, b) -> a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
    final List<Long> applied = new ArrayList<>();
    long now;
    long seq;
    final MergeWindow window;

    Harness(long windowMs) {
      window =
          new MergeWindow(
              windowMs, (at, action) -> timers.add(new Due(at, seq++, action)), this::applied);
    }

    private void applied() {
      applied.add(now);
    }

    void advanceTo(long ms) {
      long to = ms * MS;
      while (!timers.isEmpty() && timers.peek().at <= to) {
        Due d = timers.poll();
        now = d.at;
        d.action.run();
      }
      now = to;
    }

    void updateAt(long ms) {
      advanceTo(ms);
      window.update(now);
    }

    void updateAtNanos(long nanos) {
      advanceTo(nanos / MS);
      now = nanos;
      window.update(now);
    }
  }

  @Test
  void theFirstUpdateAndOneAfterMoreThanAWindowApplyAtOnce() {
    Harness h = new Harness(1000);
    h.updateAt(10_000); // nothing applied before: at once
    h.updateAt(11_500); // 1.5 s later: at once
    assertEquals(List.of(10_000 * MS, 11_500 * MS), h.applied);
    assertEquals(2, h.window.appliedAtOnce());
    assertFalse(h.window.pending());
  }

  @Test
  void anUpdateWithinTheWindowIsHeldAFullWindowAndMergedWithLaterOnes() {
    Harness h = new Harness(1000);
    h.updateAt(10_000);
    h.updateAt(10_400); // 0.4 s after the last applied: held, timer due at 11.4 s
    h.updateAt(10_700); // rides on the same timer
    h.updateAt(11_000); // exactly 1 s after: not more than a window, still held
    assertEquals(List.of(10_000 * MS), h.applied);
    assertTrue(h.window.pending());
    h.advanceTo(11_399);
    assertEquals(1, h.applied.size());
    h.advanceTo(11_400); // one timer firing applies all three
    assertEquals(List.of(10_000 * MS, 11_400 * MS), h.applied);
    assertEquals(3, h.window.held());
    assertEquals(1, h.window.appliedByTimer());
    // the timer's firing counts as the last update: 0.9 s later is held again
    h.updateAt(12_300);
    h.advanceTo(20_000);
    assertEquals(List.of(10_000 * MS, 11_400 * MS, 13_300 * MS), h.applied);
  }

  @Test
  void exactlyOneWindowIsNotMoreThanOneWindowAndMillisecondsAreTruncated() {
    Harness h = new Harness(1000);
    h.updateAt(5_000);
    h.updateAtNanos(6_000 * MS + 999_999); // 1000.999999 ms → 1000 ms, not > 1000: held
    assertTrue(h.window.pending());
    h.advanceTo(10_000);
    assertEquals(List.of(5_000 * MS, 7_000 * MS + 999_999), h.applied);
    h.updateAtNanos(8_000 * MS + 999_999 + MS); // 1001 ms after: at once
    assertEquals(8_001 * MS + 999_999, h.applied.get(2));
  }

  @Test
  void anUpdatePastTheWindowWhileATimerIsPendingGoesOutAtOnceAndCancelsIt() {
    Harness h = new Harness(1000);
    h.updateAt(20_000);
    h.updateAt(20_900); // held, timer due 21.9 s
    h.updateAt(21_050); // 1.05 s after the last applied: at once, carrying the held one
    assertEquals(List.of(20_000 * MS, 21_050 * MS), h.applied);
    assertFalse(h.window.pending());
    assertEquals(1, h.window.cancelled());
    h.advanceTo(30_000); // the cancelled timer's event does nothing
    assertEquals(2, h.applied.size());
  }

  @Test
  void updatesWithHostsAddedOrRemovedAreNeverHeld() {
    Harness h = new Harness(1000);
    h.updateAt(1_000);
    h.updateAt(1_200); // held
    h.advanceTo(1_500);
    h.window.unmergeable(h.now);
    assertEquals(List.of(1_000 * MS, 1_500 * MS), h.applied);
    assertEquals(1, h.window.cancelled());
    h.updateAt(2_000); // 0.5 s after the unmergeable one: held
    h.advanceTo(5_000);
    assertEquals(List.of(1_000 * MS, 1_500 * MS, 3_000 * MS), h.applied);
  }

  @Test
  void aZeroWindowAppliesEverythingAtOnce() {
    Harness h = new Harness(0);
    h.updateAt(1_000);
    h.updateAt(1_001);
    h.updateAt(1_002);
    assertEquals(3, h.applied.size());
  }
}
