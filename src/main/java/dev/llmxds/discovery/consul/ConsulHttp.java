package dev.llmxds.discovery.consul;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmxds.config.ConsulConfig;
import dev.llmxds.util.Deadline;
import dev.llmxds.util.LimitedBody;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Blocking queries against Consul's HTTP API: {@code index}, {@code wait}, {@code dc}, {@code
 * stale} and the ACL token header; a request — connect, headers and the whole body — times out a
 * little after Consul's own wait plus its jitter (wait/16). Asynchronous: no thread waits on a
 * blocking query.
 */
final class ConsulHttp {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int MAX_ERROR_BODY = 200;

  private final HttpClient client;
  private final ConsulConfig config;
  private final String token;
  private final ScheduledExecutorService timer;

  /** A successful answer: its body and its {@code X-Consul-Index}. */
  record Answer(JsonNode body, long index) {}

  ConsulHttp(ConsulConfig config, String token, ScheduledExecutorService timer) {
    this.config = config;
    this.token = token;
    this.timer = timer;
    HttpClient.Builder b =
        HttpClient.newBuilder()
            // the client's own tasks run on the watch thread: no thread per blocking query
            .executor(timer)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER);
    if (config.caFile() != null) {
      b.sslContext(sslContext(config));
    }
    this.client = b.build();
  }

  private static SSLContext sslContext(ConsulConfig config) {
    try (InputStream in = Files.newInputStream(config.caFile())) {
      KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
      trust.load(null, null);
      int i = 0;
      for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trust.setCertificateEntry("consul-ca-" + i++, cert);
      }
      if (i == 0) {
        throw new ConsulException("caFile " + config.caFile() + " holds no certificate");
      }
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, tmf.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new ConsulException("cannot load caFile " + config.caFile() + ": " + e.getMessage());
    }
  }

  Duration requestTimeout() {
    Duration wait = config.blockingWait();
    return wait.plus(wait.dividedBy(16)).plusSeconds(2);
  }

  /** GET {@code path}; index 0 makes a plain (non-blocking) query. */
  CompletableFuture<Answer> get(String path, long index) {
    StringBuilder query = new StringBuilder();
    if (index > 0) {
      query.append("index=").append(index);
      query.append("&wait=").append(Math.max(1, config.blockingWait().toSeconds())).append('s');
    }
    if (config.datacenter() != null) {
      query.append(query.length() > 0 ? "&" : "").append("dc=").append(enc(config.datacenter()));
    }
    if (config.stale()) {
      query.append(query.length() > 0 ? "&" : "").append("stale");
    }
    URI uri = config.address().resolve(path + (query.length() > 0 ? "?" + query : ""));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).timeout(requestTimeout()).header("Accept", "application/json");
    if (!token.isEmpty()) {
      request.header("X-Consul-Token", token);
    }
    // the request timeout only covers the wait for the headers: the deadline covers the body too
    return Deadline.within(
            client.sendAsync(request.GET().build(), LimitedBody.handler(config.maxResponseBytes())),
            requestTimeout(),
            timer,
            () -> new HttpTimeoutException("whole exchange over its deadline"))
        .handleAsync(
            (response, error) -> {
              if (error != null) {
                throw new CompletionException(describe(path, error));
              }
              return answer(path, response);
            },
            timer);
  }

  private static ConsulException describe(String path, Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof HttpTimeoutException) {
      return new ConsulException(
          path + ": no answer in time (the whole answer took longer than wait + wait/16 + 2 s)");
    }
    String message =
        cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
    return new ConsulException(path + ": cannot reach Consul: " + message);
  }

  private static Answer answer(String path, HttpResponse<byte[]> response) {
    if (response.statusCode() != 200) {
      String body = new String(response.body(), StandardCharsets.UTF_8).strip();
      if (body.length() > MAX_ERROR_BODY) {
        body = body.substring(0, MAX_ERROR_BODY) + "...";
      }
      throw new ConsulException(
          path + ": HTTP " + response.statusCode() + (body.isEmpty() ? "" : ": " + body));
    }
    JsonNode body;
    try {
      body = JSON.readTree(response.body());
    } catch (JsonProcessingException e) {
      throw new ConsulException(path + ": malformed JSON from Consul: " + e.getOriginalMessage());
    } catch (IOException e) {
      throw new ConsulException(path + ": unreadable body: " + e.getMessage());
    }
    if (body == null || body.isMissingNode()) {
      throw new ConsulException(path + ": empty body from Consul");
    }
    long index;
    try {
      index = Long.parseLong(response.headers().firstValue("X-Consul-Index").orElse("0").strip());
    } catch (NumberFormatException e) {
      index = 0;
    }
    return new Answer(body, index);
  }

  static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
