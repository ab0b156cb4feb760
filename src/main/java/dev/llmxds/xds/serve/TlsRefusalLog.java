package dev.llmxds.xds.serve;

import dev.llmxds.util.RepeatLimiter;
import java.time.Duration;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes refused TLS handshakes on the xDS port visible. gRPC's Netty transport reports them only at
 * java.util.logging FINE ({@code ProtocolNegotiators}: "TLS negotiation failed for new client."),
 * which nothing shows by default, so a client with a wrong or missing certificate failed silently.
 * Each refusal becomes a WARN with the reason when gRPC gives one, rate-limited: the first, then at
 * most one per interval carrying how many were not logged.
 */
final class TlsRefusalLog {
  private static final Logger log = LoggerFactory.getLogger(TlsRefusalLog.class);
  static final String GRPC_LOGGER = "io.grpc.netty.shaded.io.grpc.netty.ProtocolNegotiators";

  /** Held strongly: java.util.logging keeps only weak references to loggers and their levels. */
  private static final java.util.logging.Logger GRPC =
      java.util.logging.Logger.getLogger(GRPC_LOGGER);

  private static RepeatLimiter limiter = fresh();
  private static boolean installed;

  private TlsRefusalLog() {}

  private static RepeatLimiter fresh() {
    return new RepeatLimiter(Duration.ofSeconds(10), System::nanoTime);
  }

  /** Starts a fresh rate limit (tests that count refusals). */
  static synchronized void resetLimit() {
    limiter = fresh();
  }

  static synchronized void install() {
    if (installed) {
      return;
    }
    installed = true;
    if (GRPC.getLevel() == null || GRPC.getLevel().intValue() > Level.FINE.intValue()) {
      GRPC.setLevel(Level.FINE);
    }
    GRPC.addHandler(
        new Handler() {
          @Override
          public void publish(LogRecord r) {
            String message = r.getMessage();
            if (message != null && message.startsWith("TLS negotiation failed")) {
              refused(r.getThrown());
            }
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        });
  }

  static void refused(Throwable cause) {
    RepeatLimiter current;
    synchronized (TlsRefusalLog.class) {
      current = limiter;
    }
    long suppressed = current.admit("tls");
    if (suppressed != RepeatLimiter.SUPPRESS) {
      log.warn(
          "xDS port refused a TLS handshake{}: a client without a valid certificate, or not"
              + " speaking TLS{}",
          cause == null ? "" : " (" + ClientText.clip(String.valueOf(cause.getMessage())) + ")",
          current.suffix(suppressed));
    }
  }
}
