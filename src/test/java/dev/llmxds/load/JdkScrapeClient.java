package dev.llmxds.load;

import dev.llmxds.load.engine.EngineProfiles;
import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.PrometheusParser;
import dev.llmxds.util.DaemonThreads;
import dev.llmxds.util.Deadline;
import dev.llmxds.util.LimitedBody;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The scraper's transport before {@link NettyScrapeClient}: the JDK {@link HttpClient} (async,
 * keep-alive, completions on its selector thread), the body collected by {@link LimitedBody}, the
 * whole-exchange deadline by {@link Deadline}. Kept for the scrape benchmark's side-by-side run and
 * to run the scraper tests against both transports.
 */
public final class JdkScrapeClient implements ScrapeClient {
  /** The body parse before {@link dev.llmxds.load.prom.FilteredParser}: decode, then parse. */
  public static final BodyReader<Exposition> STRING_PARSE =
      (body, from, to) ->
          PrometheusParser.parse(
              new String(body, from, to - from, StandardCharsets.UTF_8),
              EngineProfiles.METRIC_NAMES::contains);

  private final HttpClient http;
  private final ScheduledExecutorService timer = DaemonThreads.scheduler("scraper-deadline");

  public JdkScrapeClient(Duration connectTimeout) {
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(connectTimeout)
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(Runnable::run)
            .build();
  }

  @Override
  public <T> CompletableFuture<T> get(
      URI uri, Duration timeout, int maxBytes, BodyReader<T> reader) {
    HttpRequest request =
        HttpRequest.newBuilder(uri)
            .timeout(timeout)
            .header("Accept", "text/plain;version=0.0.4")
            .GET()
            .build();
    // the request timeout stops at the headers; the deadline covers connect, headers and body
    return Deadline.within(
            http.sendAsync(request, LimitedBody.handler(maxBytes)),
            timeout,
            timer,
            () -> new HttpTimeoutException(TIMED_OUT))
        .thenApply(
            response -> {
              if (response.statusCode() != 200) {
                throw new java.util.concurrent.CompletionException(
                    new HttpStatusException(response.statusCode(), uri));
              }
              byte[] body = response.body();
              return reader.read(body, 0, body.length);
            });
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
