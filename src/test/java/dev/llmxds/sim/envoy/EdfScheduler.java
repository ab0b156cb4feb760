package dev.llmxds.sim.envoy;

import java.util.function.IntToDoubleFunction;

/**
 * Our model of Envoy's earliest-deadline-first scheduler ({@code
 * source/common/upstream/edf_scheduler.h}, class {@code EdfScheduler}) over hosts {@code 0..n-1}.
 *
 * <p>Envoy keeps one queue entry per host: a deadline and an insertion number. A pick takes the
 * entry with the earliest deadline (the lower insertion number on equal deadlines), moves the
 * scheduler's time to that deadline and puts the host back with deadline {@code time + 1 / weight},
 * the weight being asked for at that moment ({@code pickAndAdd}). One entry per host means an array
 * indexed by host is the whole state.
 *
 * <p>{@link #createWithPicks} is Envoy's {@code EdfScheduler::createWithPicks}: a schedule as if
 * {@code picks} picks had already been made from a fresh one, computed in closed form so that
 * hundreds of millions of picks cost O(n). We compute exactly what Envoy computes (the same double
 * operations in the same order, so the same bits), not a loop of picks: the result is what a real
 * Envoy holds, which is what the simulator must reproduce. Envoy documents that this state equals
 * "add every host, then pick {@code picks} times" except that hosts whose deadlines coincide may be
 * ordered differently (it adds 1e-13 to every weight for the floor step and breaks ties by host
 * index rather than by insertion number); {@code EdfSchedulerTest} checks equality against that
 * loop for weights without coinciding deadlines.
 */
public final class EdfScheduler {
  /** Envoy reduces the pre-picks modulo {@code UINT32_MAX / 10} ("400M picks should be enough"). */
  public static final long MAX_PICKS = 429_496_729L;

  /** Added to every weight in the floor step so that weights which are multiples stay exact. */
  private static final double EPSILON = 1e-13;

  private final double[] deadline;
  private final long[] order;
  private double now;
  private long nextOrder;

  private EdfScheduler(int hosts) {
    deadline = new double[hosts];
    order = new long[hosts];
  }

  /** An empty scheduler with every host added in turn ({@code add}: deadline {@code 1 / w}). */
  public static EdfScheduler fresh(int hosts, IntToDoubleFunction weight) {
    EdfScheduler s = new EdfScheduler(hosts);
    for (int i = 0; i < hosts; i++) {
      s.deadline[i] = s.now + 1.0 / weight.applyAsDouble(i);
      s.order[i] = s.nextOrder++;
    }
    return s;
  }

  /**
   * The schedule after {@code picks} picks from a fresh one, as Envoy builds it.
   *
   * <p>With weights {@code w_i} (plus epsilon) summing to {@code W}, host {@code i} has been picked
   * at least {@code f_i = floor(P w_i / W)} times (one fewer if rounding put {@code f_i / w_i} at
   * or past {@code P / W}); its next deadline is {@code (f_i + 1) / w_i}, the scheduler's time the
   * latest {@code f_i / w_i}, and the fewer than ~2n picks still missing are made one by one with
   * the real weights.
   *
   * @param picks an unsigned 32-bit count (Envoy's {@code uint32_t}); reduced modulo {@link
   *     #MAX_PICKS}
   */
  public static EdfScheduler createWithPicks(int hosts, IntToDoubleFunction weight, long picks) {
    if (picks < 0 || picks > 0xFFFF_FFFFL) {
      throw new IllegalArgumentException("picks is an unsigned 32-bit number: " + picks);
    }
    long p = picks % MAX_PICKS;
    EdfScheduler s = new EdfScheduler(hosts);
    if (hosts == 0) {
      return s;
    }
    double[] w = new double[hosts];
    double sum = 0.0;
    for (int i = 0; i < hosts; i++) {
      w[i] = weight.applyAsDouble(i) + EPSILON;
      sum += w[i];
    }
    long done = 0;
    double latest = 0.0;
    for (int i = 0; i < hosts; i++) {
      long floor = (long) (w[i] * p / sum);
      if (floor > 0 && floor / w[i] >= p / sum) {
        floor--;
      }
      s.deadline[i] = (floor + 1) / w[i];
      s.order[i] = i;
      latest = Math.max(latest, floor / w[i]);
      done += floor;
    }
    s.now = latest;
    s.nextOrder = hosts;
    for (; done < p; done++) {
      s.pickAndAdd(weight);
    }
    return s;
  }

  /** Picks the host with the earliest deadline and puts it back with its weight as of now. */
  public int pickAndAdd(IntToDoubleFunction weight) {
    int next = 0;
    for (int i = 1; i < deadline.length; i++) {
      if (deadline[i] < deadline[next]
          || (deadline[i] == deadline[next] && order[i] < order[next])) {
        next = i;
      }
    }
    now = deadline[next];
    deadline[next] = now + 1.0 / weight.applyAsDouble(next);
    order[next] = nextOrder++;
    return next;
  }

  /** The number of hosts. */
  public int size() {
    return deadline.length;
  }

  /** The scheduler's time (the deadline of the last pick). */
  public double now() {
    return now;
  }

  /** Host {@code i}'s next deadline. */
  public double deadline(int i) {
    return deadline[i];
  }
}
