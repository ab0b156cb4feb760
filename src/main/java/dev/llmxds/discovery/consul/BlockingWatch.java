package dev.llmxds.discovery.consul;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * One Consul blocking-query loop on one path: query with the last index, hand the answer over,
 * query again. The loop is rate-limited (at most one query per {@code minInterval}, so a constantly
 * changing cluster cannot spin it) and backs off with jitter after errors.
 */
final class BlockingWatch {
  /** Receives the answers and failures of one watch; called on HTTP client threads. */
  interface Listener {
    void onAnswer(JsonNode body, boolean changed);

    void onError(String error);
  }

  private final String path;
  private final ConsulHttp http;
  private final ScheduledExecutorService scheduler;
  private final Duration minInterval;
  private final Backoff backoff;
  private final LongSupplier nanoTime;
  private final Listener listener;
  private long index;
  private long lastReturned = -1;
  private int failures;
  private volatile boolean closed;

  BlockingWatch(
      String path,
      ConsulHttp http,
      ScheduledExecutorService scheduler,
      Duration minInterval,
      Backoff backoff,
      LongSupplier nanoTime,
      Listener listener) {
    this.path = path;
    this.http = http;
    this.scheduler = scheduler;
    this.minInterval = minInterval;
    this.backoff = backoff;
    this.nanoTime = nanoTime;
    this.listener = listener;
  }

  void start() {
    schedule(0);
  }

  void close() {
    closed = true;
  }

  private void schedule(long delayNanos) {
    if (closed) {
      return;
    }
    try {
      scheduler.schedule(this::query, delayNanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      closed = true;
    }
  }

  private void query() {
    if (closed) {
      return;
    }
    long started = nanoTime.getAsLong();
    http.get(path, index)
        .whenCompleteAsync( // on the watch thread, never on a shared pool's
            (answer, error) -> {
              if (closed) {
                return;
              }
              if (error != null) {
                failures++;
                Throwable cause = error instanceof CompletionException ? error.getCause() : error;
                listener.onError(cause == null ? error.toString() : cause.getMessage());
                // the retry reads without blocking: a recovered Consul is seen (and reported) at
                // once, not only at the next change or when the blocking wait runs out
                index = 0;
                schedule(backoff.delay(failures).toNanos());
                return;
              }
              failures = 0;
              boolean changed = answer.index() != lastReturned;
              lastReturned = answer.index();
              index = ConsulIndex.next(index, answer.index());
              try {
                listener.onAnswer(answer.body(), changed);
              } catch (RuntimeException e) {
                listener.onError(e.getMessage());
              }
              long elapsed = nanoTime.getAsLong() - started;
              schedule(Math.max(0, minInterval.toNanos() - elapsed));
            },
            scheduler);
  }
}
