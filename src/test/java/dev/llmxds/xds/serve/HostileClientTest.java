package dev.llmxds.xds.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.rpc.Status;
import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.AdsClient;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestServers;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The xDS port must be neither a memory nor a log lever: oversized nodes are refused, client
 * strings are kept and logged clipped, and a NACK storm writes a bounded number of log lines.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HostileClientTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  @TempDir Path dir;
  private LlmXds server;
  private ManagedChannel channel;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger trackerLog = (Logger) LoggerFactory.getLogger(StreamTracker.class);

  @BeforeEach
  void start() {
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(fleet, FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"))));
    server = TestServers.start(TestServers.config(fleet, ""));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    logs.start();
    trackerLog.addAppender(logs);
  }

  @AfterEach
  void stop() {
    trackerLog.detachAppender(logs);
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
  }

  private static DiscoveryRequest cds(Node node) {
    return DiscoveryRequest.newBuilder()
        .setNode(node)
        .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
        .build();
  }

  private io.grpc.Status refusal(Node node) throws Exception {
    try (var ads = AdsClient.sotw(channel)) {
      ads.send(cds(node));
      return io.grpc.Status.fromThrowable(ads.awaitError(WAIT));
    }
  }

  @Test
  void aMegabyteNodeIdIsRefused() throws Exception {
    Node node = AdsClient.node("x".repeat(1 << 20), "r1", "a");
    io.grpc.Status refused = refusal(node);
    assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, refused.getCode());
    assertTrue(refused.getDescription().contains("node"), refused.getDescription());
    assertTrue(refused.getDescription().contains("limit"), refused.getDescription());
    Await.until(WAIT, () -> server.streams().nodes().isEmpty(), "nothing kept of the stream");
    assertTrue(
        server.published().groups().isEmpty() && server.nodeGroups().count() == 0,
        "no group made for it");
    assertLogBounded(8 * 1024);
  }

  @Test
  void aNodeIdOverTheLimitIsRefusedButOneAtTheLimitIsServed() throws Exception {
    assertEquals(
        io.grpc.Status.Code.INVALID_ARGUMENT,
        refusal(AdsClient.node("x".repeat(StreamTracker.MAX_NODE_ID_BYTES + 1), "r1", "a"))
            .getCode());
    try (var ads = AdsClient.sotw(channel)) {
      ads.send(cds(AdsClient.node("x".repeat(StreamTracker.MAX_NODE_ID_BYTES), "r1", "a")));
      assertEquals(1, ads.next(WAIT).getResourcesCount());
    }
  }

  @Test
  void aNodeWithHugeMetadataIsRefused() throws Exception {
    Struct.Builder meta = Struct.newBuilder();
    for (int i = 0; i < 200; i++) {
      meta.putFields("k" + i, Value.newBuilder().setStringValue("v".repeat(1024)).build());
    }
    Node node = AdsClient.node("envoy", "r1", "a").toBuilder().setMetadata(meta).build();
    io.grpc.Status refused = refusal(node);
    assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, refused.getCode());
    assertTrue(
        refused.getDescription().contains(String.valueOf(StreamTracker.MAX_NODE_BYTES)),
        refused.getDescription());
  }

  @Test
  void aHugeZoneIsRefusedRatherThanMadeANodeGroup() throws Exception {
    io.grpc.Status refused = refusal(AdsClient.node("envoy", "r1", "z".repeat(10_000)));
    assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, refused.getCode());
    assertTrue(server.published().groups().isEmpty() && server.nodeGroups().count() == 0);
  }

  @Test
  void aStreamAskingForEndlesslyManyTypeUrlsIsRefused() throws Exception {
    try (var ads = AdsClient.sotw(channel)) {
      Node node = AdsClient.node("envoy", "r1", "a");
      for (int i = 0; i < 100; i++) {
        ads.send(cds(node).toBuilder().setTypeUrl("type.googleapis.com/made.Up" + i).build());
      }
      io.grpc.Status refused = io.grpc.Status.fromThrowable(ads.awaitError(WAIT));
      assertEquals(io.grpc.Status.Code.INVALID_ARGUMENT, refused.getCode());
      assertTrue(refused.getDescription().contains("type URLs"), refused.getDescription());
    }
  }

  @Test
  void aLongNackMessageIsKeptClippedAndANackStormLogsAFewLines() throws Exception {
    Node node = AdsClient.node("envoy-1\nFAKE LOG LINE", "r1", "a");
    String huge = "e".repeat(64 * 1024);
    try (var ads = AdsClient.sotw(channel)) {
      ads.send(cds(node));
      DiscoveryResponse first = ads.next(WAIT);
      DiscoveryRequest nack =
          cds(node).toBuilder()
              .setResponseNonce(first.getNonce())
              .setVersionInfo("v".repeat(64 * 1024))
              .setErrorDetail(Status.newBuilder().setCode(3).setMessage(huge))
              .build();
      for (int i = 0; i < 1000; i++) {
        ads.send(nack);
      }
      Await.until(
          WAIT,
          () -> server.streams().totalNacks() == 1000,
          () -> server.streams().totalNacks() + " NACKs recorded");

      NodeStatus status = server.streams().nodes().get(0);
      String stored = status.types().get("cds").lastNack().error();
      assertTrue(stored.length() < 300, "stored clipped: " + stored.length() + " chars");
      assertTrue(stored.startsWith("eeee") && stored.contains("chars]"), stored);
      assertTrue(!status.nodeId().contains("\n"), "no line break kept: " + status.nodeId());
      assertEquals(1000, status.types().get("cds").nacks());
    }
    Await.until(WAIT, () -> server.streams().nodes().isEmpty(), "the stream closed");
    long nackLines =
        logs.list.stream().filter(e -> e.getFormattedMessage().contains("NACK")).count();
    assertTrue(nackLines <= 3, nackLines + " NACK log lines for 1,000 NACKs");
    assertLogBounded(16 * 1024);
  }

  private void assertLogBounded(int maxChars) {
    long chars = 0;
    for (ILoggingEvent e : List.copyOf(logs.list)) {
      String m = e.getFormattedMessage();
      assertTrue(!m.contains("\nFAKE"), "a client line break reached the log: " + m);
      chars += m.length();
    }
    System.out.printf("%d log lines, %d chars from StreamTracker%n", logs.list.size(), chars);
    assertTrue(chars <= maxChars, chars + " chars of log");
  }
}
