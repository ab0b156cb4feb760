package dev.llmxds.util;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * A deadline for a whole asynchronous exchange. The JDK HTTP client's request timeout stops at the
 * response headers; a peer that sends headers and then drips or stalls its body would hold the
 * exchange forever. {@link #within} fails the exchange at the deadline and cancels it (which closes
 * its connection).
 */
public final class Deadline {
  private Deadline() {}

  /**
   * A future completed like {@code exchange}, or failed with {@code timeout} after {@code limit},
   * in which case {@code exchange} is cancelled.
   */
  public static <T> CompletableFuture<T> within(
      CompletableFuture<T> exchange,
      Duration limit,
      ScheduledExecutorService timer,
      Supplier<? extends Exception> timeout) {
    CompletableFuture<T> out = new CompletableFuture<>();
    ScheduledFuture<?> alarm;
    try {
      alarm =
          timer.schedule(
              () -> {
                if (out.completeExceptionally(timeout.get())) {
                  exchange.cancel(true);
                }
              },
              limit.toNanos(),
              TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      alarm = null; // shutting down: no deadline needed any more
    }
    ScheduledFuture<?> armed = alarm;
    exchange.whenComplete(
        (value, error) -> {
          if (armed != null) {
            armed.cancel(false);
          }
          if (error == null) {
            out.complete(value);
          } else {
            out.completeExceptionally(error);
          }
        });
    return out;
  }
}
