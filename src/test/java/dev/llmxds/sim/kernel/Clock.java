package dev.llmxds.sim.kernel;

import java.util.PriorityQueue;
import java.util.function.DoubleUnaryOperator;

/** The discrete-event kernel: simulated seconds, events run in time order (ties in FIFO order). */
public final class Clock {
  private record Event(double at, long seq, Runnable action) {}

  private final PriorityQueue<Event> events =
      new PriorityQueue<>(
          (a, b) -> a.at != b.at ? Double.compare(a.at, b.at) : Long.compare(a.seq, b.seq));
  private double now;
  private long seq;

  public double now() {
    return now;
  }

  /** Simulated time as a nanosecond ticker, for code that takes one (the weight policy). */
  public long nanos() {
    return Math.round(now * 1e9);
  }

  public void at(double time, Runnable action) {
    events.add(new Event(Math.max(time, now), seq++, action));
  }

  public void after(double delay, Runnable action) {
    at(now + delay, action);
  }

  /**
   * A recurring process (an arrival stream): {@code action} runs after {@code gap.applyAsDouble(0)}
   * seconds, then again after each {@code gap.applyAsDouble(now)} drawn once it has run.
   */
  public void repeat(DoubleUnaryOperator gap, Runnable action) {
    Runnable[] self = new Runnable[1];
    self[0] =
        () -> {
          action.run();
          after(gap.applyAsDouble(now), self[0]);
        };
    after(gap.applyAsDouble(now), self[0]);
  }

  /** Runs events until {@code until} (simulated seconds). */
  public void run(double until) {
    while (!events.isEmpty() && events.peek().at <= until) {
      Event e = events.poll();
      now = e.at;
      e.action.run();
    }
    now = until;
  }
}
