package dev.llmxds.sim;

import java.util.PriorityQueue;

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
