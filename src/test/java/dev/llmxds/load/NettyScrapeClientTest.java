package dev.llmxds.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.testing.Await;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The scrape transport against a scripted raw HTTP/1.1 server. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NettyScrapeClientTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final ScrapeClient.BodyReader<String> TEXT =
      (b, from, to) -> new String(b, from, to - from, StandardCharsets.UTF_8);

  /** What the server does on one accepted connection (its number, from 1). */
  private interface Script {
    void serve(int connection, InputStream in, OutputStream out) throws IOException;
  }

  private final NettyScrapeClient client = new NettyScrapeClient();
  private final ExecutorService threads = Executors.newCachedThreadPool();
  private final AtomicInteger accepted = new AtomicInteger();
  private final List<String> requests = new CopyOnWriteArrayList<>();

  /** Connections the client closed (the server read end of stream or a reset). */
  private final AtomicInteger closedByClient = new AtomicInteger();

  private ServerSocket server;

  @AfterEach
  void stop() throws IOException {
    client.close();
    if (server != null) {
      server.close();
    }
    threads.shutdownNow();
  }

  private URI serve(Script script) throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    threads.execute(
        () -> {
          while (!server.isClosed()) {
            try {
              Socket s = server.accept();
              int n = accepted.incrementAndGet();
              threads.execute(
                  () -> {
                    try (s) {
                      script.serve(n, s.getInputStream(), s.getOutputStream());
                    } catch (IOException e) {
                      // the client went away mid-script
                    }
                  });
            } catch (IOException e) {
              return;
            }
          }
        });
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/metrics");
  }

  /** Reads one request head; null at end of stream. */
  private String request(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      head.write(c);
      byte[] b = head.toByteArray();
      int n = b.length;
      if (n >= 4 && b[n - 4] == '\r' && b[n - 3] == '\n' && b[n - 2] == '\r' && b[n - 1] == '\n') {
        String r = head.toString(StandardCharsets.US_ASCII);
        requests.add(r);
        return r;
      }
    }
    return null;
  }

  /** Waits for the client to close the connection. */
  private void awaitClose(InputStream in) {
    try {
      while (in.read() >= 0) {
        // drain
      }
    } catch (IOException e) {
      // reset: closed too
    }
    closedByClient.incrementAndGet();
  }

  private static void answer(OutputStream out, String body) throws IOException {
    byte[] b = body.getBytes(StandardCharsets.UTF_8);
    out.write(
        ("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: " + b.length + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(b);
    out.flush();
  }

  private <T> Throwable failure(CompletableFuture<T> f) {
    ExecutionException e =
        assertThrows(ExecutionException.class, () -> f.get(30, TimeUnit.SECONDS));
    return e.getCause();
  }

  @Test
  void scrapesReuseOneKeptConnection() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              int i = 0;
              while (request(in) != null) {
                answer(out, "a 1\nconnection " + n + " answer " + ++i + "\n");
              }
            });
    for (int i = 1; i <= 5; i++) {
      assertEquals(
          "a 1\nconnection 1 answer " + i + "\n",
          client.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
    }
    assertEquals(1, accepted.get());
    String first = requests.get(0);
    assertTrue(first.startsWith("GET /metrics HTTP/1.1\r\n"), first);
    assertTrue(first.toLowerCase().contains("host: 127.0.0.1:" + uri.getPort()), first);
  }

  @Test
  void chunkedBodiesAreReadAndTheConnectionKept() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              while (request(in) != null) {
                out.write(
                    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                for (String part : List.of("vllm:a 1\n", "vllm:b", " 2\n")) {
                  out.write(
                      (Integer.toHexString(part.length()) + "\r\n" + part + "\r\n")
                          .getBytes(StandardCharsets.US_ASCII));
                  out.flush();
                }
                out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                out.flush();
              }
            });
    for (int i = 0; i < 3; i++) {
      assertEquals(
          "vllm:a 1\nvllm:b 2\n", client.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
    }
    assertEquals(1, accepted.get());
  }

  @Test
  void aChunkedBodyGrowingPastTheCapFailsAndClosesTheConnection() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              request(in);
              out.write(
                  "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
              String part = "x 1\n".repeat(100);
              for (int i = 0; i < 20; i++) {
                out.write(
                    (Integer.toHexString(part.length()) + "\r\n" + part + "\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
              }
              awaitClose(in); // never ends the body: only the client's close ends this
            });
    Throwable cause = failure(client.get(uri, TIMEOUT, 4096, TEXT));
    assertEquals("response larger than 4096 bytes", cause.getMessage());
    Await.until(Duration.ofSeconds(10), () -> closedByClient.get() == 1, "connection closed");
  }

  @Test
  void aContentLengthOverTheCapFailsAtTheHeaders() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              request(in);
              out.write(
                  "HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n"
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
              awaitClose(in); // sends no body at all
            });
    long started = System.nanoTime();
    Throwable cause = failure(client.get(uri, Duration.ofSeconds(20), 4096, TEXT));
    assertEquals("response larger than 4096 bytes", cause.getMessage());
    assertTrue(
        System.nanoTime() - started < TimeUnit.SECONDS.toNanos(10),
        "did not wait for the deadline");
    Await.until(Duration.ofSeconds(10), () -> closedByClient.get() == 1, "connection closed");
  }

  @Test
  void anAnswerOtherThan200IsAClearError() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              request(in);
              out.write(
                  "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 10\r\n\r\noverloaded"
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
              awaitClose(in);
            });
    Throwable cause = failure(client.get(uri, TIMEOUT, 4096, TEXT));
    ScrapeClient.HttpStatusException status =
        assertInstanceOf(ScrapeClient.HttpStatusException.class, cause);
    assertEquals(503, status.status());
    assertEquals("HTTP 503 from " + uri, status.getMessage());
  }

  @Test
  void anEngineThatNeverAnswersTimesOutAtTheDeadlineAndIsDisconnected() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              request(in);
              awaitClose(in);
            });
    long started = System.nanoTime();
    Throwable cause = failure(client.get(uri, Duration.ofMillis(300), 4096, TEXT));
    long took = System.nanoTime() - started;
    assertInstanceOf(HttpTimeoutException.class, cause);
    assertEquals(ScrapeClient.TIMED_OUT, cause.getMessage());
    assertTrue(took >= TimeUnit.MILLISECONDS.toNanos(290), "not before the deadline: " + took);
    Await.until(Duration.ofSeconds(10), () -> closedByClient.get() == 1, "connection closed");
  }

  @Test
  void aKeptConnectionTheEngineDroppedIsRetriedOnceOnAFreshOne() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              if (n == 1) {
                request(in);
                answer(out, "first\n");
                request(in); // then drops the connection without answering, as an idle timeout
                return;
              }
              while (request(in) != null) {
                answer(out, "fresh " + n + "\n");
              }
            });
    assertEquals("first\n", client.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
    assertEquals("fresh 2\n", client.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
    assertEquals(2, accepted.get());
  }

  @Test
  void connectionCloseIsHonoured() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              request(in);
              out.write(
                  "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 4\r\n\r\nb 1\n"
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
              awaitClose(in);
            });
    assertEquals("b 1\n", client.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
    assertEquals("b 1\n", client.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
    assertEquals(2, accepted.get());
    Await.until(Duration.ofSeconds(10), () -> closedByClient.get() == 2, "both closed");
  }

  @Test
  void aBodyEndedByCloseIsRead() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              request(in);
              out.write(
                  "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nc 1\n"
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
            });
    assertEquals("c 1\n", client.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
  }

  @Test
  void aBodyEndedByCloseInTheMiddleOfALineIsRefused() throws Exception {
    // an engine dying mid-body: "waiting 12" cut to "waiting 1" must not read as a figure
    URI uri =
        serve(
            (n, in, out) -> {
              request(in);
              out.write(
                  "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nc 1\nwaiting 1"
                      .getBytes(StandardCharsets.US_ASCII));
              out.flush();
            });
    Throwable cause = failure(client.get(uri, TIMEOUT, 4096, TEXT));
    assertInstanceOf(IOException.class, cause);
    assertTrue(cause.getMessage().contains("cut short"), cause.getMessage());
  }

  @Test
  void garbageInsteadOfHttpFailsTheScrape() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              request(in);
              out.write("SSH-2.0-OpenSSH_9.6\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
              out.flush();
              awaitClose(in);
            });
    Throwable cause = failure(client.get(uri, TIMEOUT, 4096, TEXT));
    assertInstanceOf(IOException.class, cause);
    Await.until(Duration.ofSeconds(10), () -> closedByClient.get() == 1, "connection closed");
  }

  @Test
  void aFailingReaderFailsTheScrapeAndDropsTheConnection() throws Exception {
    URI uri =
        serve(
            (n, in, out) -> {
              while (request(in) != null) {
                answer(out, "d 1\n");
              }
              closedByClient.incrementAndGet();
            });
    Throwable cause =
        failure(
            client.get(
                uri,
                TIMEOUT,
                4096,
                (b, from, to) -> {
                  throw new IllegalStateException("reader broke");
                }));
    assertEquals("reader broke", cause.getMessage());
    Await.until(Duration.ofSeconds(10), () -> closedByClient.get() == 1, "connection closed");
    assertEquals("d 1\n", client.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
    assertEquals(2, accepted.get());
  }

  @Test
  void nothingListeningIsAConnectFailure() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    Throwable cause =
        failure(client.get(URI.create("http://127.0.0.1:" + port + "/m"), TIMEOUT, 4096, TEXT));
    assertInstanceOf(ConnectException.class, cause);
  }

  @Test
  void aKeptConnectionLeftIdleIsClosed() throws Exception {
    try (NettyScrapeClient shortIdle = new NettyScrapeClient(Duration.ofMillis(200))) {
      URI uri =
          serve(
              (n, in, out) -> {
                while (request(in) != null) {
                  answer(out, "e 1\n");
                }
                closedByClient.incrementAndGet();
              });
      assertEquals("e 1\n", shortIdle.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
      Await.until(
          Duration.ofSeconds(10), () -> closedByClient.get() == 1, "idle connection closed");
      assertEquals("e 1\n", shortIdle.get(uri, TIMEOUT, 4096, TEXT).get(30, TimeUnit.SECONDS));
      assertEquals(2, accepted.get(), "a fresh connection after the idle one was closed");
    }
  }
}
