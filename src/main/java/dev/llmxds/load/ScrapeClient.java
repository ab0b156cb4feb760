package dev.llmxds.load;

import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The scraper's transport: one HTTP/1.1 GET of a metrics URL, with a deadline for the whole
 * exchange (connect, headers and body) and a cap on the body size.
 *
 * <p>Failures: {@link java.net.http.HttpTimeoutException} with message {@link #TIMED_OUT} at the
 * deadline (the connection is closed), {@link java.net.ConnectException} when nothing listens,
 * {@link IOException} {@code "response larger than N bytes"} past the cap (the connection is
 * closed), {@link HttpStatusException} for an answer other than 200, other {@link IOException}s for
 * broken exchanges.
 */
public interface ScrapeClient extends AutoCloseable {
  String TIMED_OUT = "scrape timed out";

  /**
   * Reads the body of a 200 answer, {@code bytes[from, to)}, once, on the client's thread. The
   * bytes are only valid during the call (they may be a pooled buffer's).
   */
  @FunctionalInterface
  interface BodyReader<T> {
    T read(byte[] bytes, int from, int to);
  }

  /** GETs {@code uri}; the future completes with what {@code reader} made of the body. */
  <T> CompletableFuture<T> get(URI uri, Duration timeout, int maxBytes, BodyReader<T> reader);

  /**
   * A timer whose tasks run on the client's I/O thread, for the scraper's schedule: a scrape then
   * starts where its I/O happens, without waking another thread. Null: the scraper keeps its own.
   * Shut down by {@link #close()}.
   */
  default ScheduledExecutorService scheduler() {
    return null;
  }

  @Override
  void close();

  /** An answer other than 200. */
  final class HttpStatusException extends IOException {
    private final int status;

    public HttpStatusException(int status, URI uri) {
      super("HTTP " + status + " from " + uri, null);
      this.status = status;
    }

    public int status() {
      return status;
    }
  }

  /** The body is larger than the cap. */
  static IOException tooLarge(int maxBytes) {
    return new IOException("response larger than " + maxBytes + " bytes");
  }
}
