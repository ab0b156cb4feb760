package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.util.JsonFormat;
import dev.llmxds.admin.v1.AdminServiceGrpc;
import dev.llmxds.admin.v1.DiscoveryStatus;
import dev.llmxds.admin.v1.Endpoint;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.GetFleetRequest;
import dev.llmxds.admin.v1.Nack;
import dev.llmxds.admin.v1.Node;
import dev.llmxds.admin.v1.Nodes;
import dev.llmxds.admin.v1.Service;
import dev.llmxds.admin.v1.TypeStatus;
import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.AdsClient;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestServers;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The admin surface against hostile clients, fleet files and requests (issue 12). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminHostileInputTest {
  private static final String SVG = "<svg/onload=alert(1)>";
  private static final String IMG = "<img src=x onerror=alert(document.cookie)>";
  // the page draws its own charts as <svg ...>; a hostile string would arrive as <svg/onload=...>
  private static final Pattern RAW_TAG =
      Pattern.compile("<(svg/|img|script)", Pattern.CASE_INSENSITIVE);
  private static final Duration WAIT = Duration.ofSeconds(20);

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private LlmXds server;
  private ManagedChannel raw;
  private final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    for (Socket s : sockets) {
      s.close();
    }
    if (raw != null) {
      raw.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private void start(String extraYaml) {
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(fleet, FleetFiles.yaml("llama", List.of(Entry.of(9, "r1", "a"))));
    server =
        TestServers.start(
            TestServers.config(
                fleet,
                "{host: 127.0.0.1, port: 0}",
                "admin: {host: 127.0.0.1, port: 0" + extraYaml + "}"));
    raw = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void thePageEscapesEveryClientConsulAndFileString() {
    Fleet fleet =
        Fleet.newBuilder()
            .setDiscovery(
                DiscoveryStatus.newBuilder()
                    .setSource(SVG)
                    .setLastSuccess(IMG)
                    .setLastError(SVG)
                    .setFailing(true))
            .addServices(
                Service.newBuilder()
                    .setName(SVG)
                    .addModels(IMG)
                    .addEndpoints(
                        Endpoint.newBuilder()
                            .setId(SVG)
                            .setAddress(IMG)
                            .setRegion(SVG)
                            .setZone(IMG)
                            .setHealth("HEALTHY\"><svg/onload=alert(1)>")
                            .setEngine(SVG)
                            .setScrapeError(IMG)))
            .build();
    Nodes nodes =
        Nodes.newBuilder()
            .addNodes(
                Node.newBuilder()
                    .setNodeId(SVG)
                    .setKind(IMG)
                    .setRegion(SVG)
                    .setZone(IMG)
                    .setConnectedAt(SVG)
                    .putTypes(
                        "type.googleapis.com/" + SVG,
                        TypeStatus.newBuilder()
                            .setAckedVersion(IMG)
                            .setSentVersion(SVG)
                            .setLastNack(Nack.newBuilder().setVersion(SVG).setError(IMG).setAt(SVG))
                            .build()))
            .build();
    String html = HtmlPage.render(fleet, nodes);
    assertFalse(RAW_TAG.matcher(html).find(), "a raw tag survived:\n" + html);
    assertTrue(html.contains("&lt;svg/onload=alert(1)&gt;"), "escaped text is still shown");
    assertTrue(html.contains("&lt;img src=x onerror="), "escaped text is still shown");
  }

  @Test
  void everyAdminResponseCarriesARestrictiveCspAndNosniff() throws Exception {
    start("");
    for (String path : List.of("/", "/api/fleet", "/api/nodes", "/healthz", "/metrics", "/nope")) {
      HttpResponse<String> r = get(path);
      String csp = r.headers().firstValue("Content-Security-Policy").orElse(null);
      assertNotNull(csp, path + " has a CSP");
      assertTrue(csp.contains("default-src 'none'"), csp);
      assertFalse(csp.contains("script-src"), "no script is allowed: " + csp);
      assertEquals("nosniff", r.headers().firstValue("X-Content-Type-Options").orElse(null), path);
    }
  }

  @Test
  void clientStringsAreTruncatedAndEscapedInNodesAndThePage() throws Exception {
    start("");
    String longId = SVG + "n".repeat(900); // under the xDS node id limit (1 KiB), over 256
    String longZone = "z".repeat(250); // under the xDS zone limit
    String longVersion = IMG + "v".repeat(5_000);
    try (var ads = AdsClient.sotw(raw)) {
      var node = AdsClient.node(longId, "r1", longZone);
      ads.send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
              .build());
      DiscoveryResponse first = ads.next(WAIT);
      // a hostile ACK: a version the server never sent
      ads.send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
              .setVersionInfo(longVersion)
              .setResponseNonce(first.getNonce())
              .build());
      Await.until(
          WAIT,
          () -> {
            Nodes n = nodes();
            return n.getNodesCount() == 1 && n.getNodes(0).getTypesCount() >= 1;
          },
          "the hostile client is listed");
      Await.until(
          WAIT, () -> get0("/api/nodes").contains("vvvv"), "the hostile version is recorded");
      Node n = nodes().getNodes(0);
      assertTrue(n.getNodeId().length() <= 300, "node id: " + n.getNodeId().length());
      assertTrue(n.getNodeId().startsWith(SVG + "nnn"), n.getNodeId());
      assertTrue(n.getNodeId().contains("truncated"), "a marker says so: " + n.getNodeId());
      assertTrue(n.getZone().length() <= 300, "zone: " + n.getZone().length());
      for (var t : n.getTypesMap().entrySet()) {
        assertTrue(t.getKey().length() <= 300, "type: " + t.getKey().length());
        assertTrue(t.getValue().getAckedVersion().length() <= 300, "acked version");
        assertTrue(t.getValue().getSentVersion().length() <= 300, "sent version");
      }
      String html = get("/").body();
      assertFalse(RAW_TAG.matcher(html).find(), "a raw tag survived in the page");
      assertTrue(html.length() < 50_000, "the page stays small: " + html.length());
    }
  }

  private String get0(String path) {
    try {
      return get(path).body();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private Nodes nodes() {
    try {
      Nodes.Builder b = Nodes.newBuilder();
      JsonFormat.parser().merge(get("/api/nodes").body(), b);
      return b.build();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void stalledHeadersDoNotStarveHealthzAndAreClosed() throws Exception {
    start(", headerTimeout: 2s");
    for (int i = 0; i < 12; i++) {
      Socket s = new Socket();
      s.connect(new InetSocketAddress("127.0.0.1", server.adminPort()), 2_000);
      s.getOutputStream().write("GET /healthz HT".getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      sockets.add(s);
    }
    long t0 = System.nanoTime();
    HttpResponse<String> health =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.adminPort() + "/healthz"))
                .timeout(Duration.ofSeconds(1))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, health.statusCode());
    assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(1), "answered within 1 s");

    // the server closes every stalled connection after the header timeout
    for (Socket s : sockets) {
      s.setSoTimeout(10_000);
      InputStream in = s.getInputStream();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      int b;
      do {
        b = in.read(); // a 408 and then end of stream, or end of stream straight away
      } while (b != -1 && System.nanoTime() < deadline);
      assertEquals(-1, b, "the server closed the stalled connection");
    }
  }

  @Test
  void aHeadTrickledByteByByteIsCutAtTheHeaderDeadline() throws Exception {
    start(", headerTimeout: 1s");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.adminPort()), 2_000);
      s.setSoTimeout(200); // paces the trickle: one byte per 200 ms read timeout
      long t0 = System.nanoTime();
      String request = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + "s".repeat(1_000);
      StringBuilder answer = new StringBuilder();
      int i = 0;
      while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(10)) {
        try {
          s.getOutputStream().write(request.charAt(i++ % request.length()));
        } catch (java.io.IOException closed) {
          break;
        }
        try {
          int b = s.getInputStream().read();
          if (b == -1) {
            break;
          }
          answer.append((char) b);
        } catch (java.net.SocketTimeoutException stillOpen) {
          // the server is still waiting: send the next byte
        } catch (java.io.IOException reset) {
          break;
        }
      }
      long elapsed = System.nanoTime() - t0;
      assertTrue(
          elapsed < TimeUnit.MILLISECONDS.toNanos(3_000),
          "cut after " + elapsed / 1_000_000 + " ms, not reset by every byte");
      String got = answer.toString(); // the server may close before every byte of it is read
      assertTrue(
          "HTTP/1.1 408".startsWith(got) || got.startsWith("HTTP/1.1 408"), "answer: " + got);
    }
  }

  @Test
  void anIdleKeepAliveConnectionIsClosed() throws Exception {
    start(", idleTimeout: 1s");
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.adminPort()), 2_000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = s.getInputStream();
      String response = "";
      long t0 = System.nanoTime();
      int b;
      while ((b = in.read()) != -1) {
        response += (char) b;
      }
      assertTrue(response.startsWith("HTTP/1.1 200"), response);
      assertTrue(response.endsWith("ok\n"), response);
      long elapsed = System.nanoTime() - t0;
      assertTrue(elapsed < TimeUnit.SECONDS.toNanos(5), "closed after " + elapsed / 1e9 + " s");
    }
  }

  @Test
  void onlyGetAndHeadWithinTheSizeCaps() throws Exception {
    start("");
    assertEquals(
        405, rawRequest("POST /api/fleet HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n"));
    assertEquals(405, rawRequest("DELETE / HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertEquals(405, rawRequest("OPTIONS * HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertEquals(200, rawRequest("HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"));
    assertEquals(
        400, rawRequest("GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"));
    assertEquals(
        400,
        rawRequest(
            "GET /healthz HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"));
    assertEquals(414, rawRequest("GET /" + "a".repeat(20_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"));
    assertEquals(
        431, rawRequest("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + "b".repeat(40_000) + "\r\n\r\n"));
  }

  @Test
  void aLoopbackAdminAnswersOnlyToLoopbackHostNames() throws Exception {
    start(""); // the admin server binds 127.0.0.1: a rebound DNS name must not reach it
    for (String host :
        List.of("127.0.0.1:9902", "localhost", "LOCALHOST:1", "[::1]:80", "127.1.2.3")) {
      assertEquals(200, rawRequest("GET /healthz HTTP/1.1\r\nHost: " + host + "\r\n\r\n"), host);
    }
    for (String host :
        List.of(
            "evil.example", "127.0.0.1.evil.example", "localhost.evil:80", "[::2]", "x:99999")) {
      assertEquals(421, rawRequest("GET /api/fleet HTTP/1.1\r\nHost: " + host + "\r\n\r\n"), host);
    }
  }

  /** Sends {@code request} on a fresh connection and returns the status code of the answer. */
  private int rawRequest(String request) throws Exception {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", server.adminPort()), 2_000);
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      try {
        out.write(request.getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (java.io.IOException e) {
        // the server may answer and close before reading an oversized request to its end
      }
      byte[] head = new byte[12];
      int n = 0;
      InputStream in = s.getInputStream();
      while (n < head.length) {
        int r = in.read(head, n, head.length - n);
        if (r < 0) {
          break;
        }
        n += r;
      }
      String line = new String(head, 0, n, StandardCharsets.US_ASCII);
      assertTrue(line.startsWith("HTTP/1.1 "), "a status line: '" + line + "'");
      return Integer.parseInt(line.substring(9, 12));
    }
  }

  @Test
  void theGrpcAdminServiceIsNotOnAPlaintextXdsPortByDefault() {
    start("");
    var stub = AdminServiceGrpc.newBlockingStub(raw).withDeadlineAfter(10, TimeUnit.SECONDS);
    StatusRuntimeException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> stub.getFleet(GetFleetRequest.getDefaultInstance()));
    assertEquals(Status.Code.UNIMPLEMENTED, e.getStatus().getCode());
  }
}
