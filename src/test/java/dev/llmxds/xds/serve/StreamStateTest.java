package dev.llmxds.xds.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.rpc.Status;
import dev.llmxds.fleet.Locality;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.resource.XdsResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Per-stream state is freed when the stream closes and never brought back by late callbacks. */
class StreamStateTest {
  private static final Node NODE =
      Node.newBuilder()
          .setId("envoy-1")
          .setUserAgentName("envoy")
          .setLocality(
              io.envoyproxy.envoy.config.core.v3.Locality.newBuilder().setRegion("r1").setZone("a"))
          .build();
  private static final NodeGroupKey GROUP = NodeGroupKey.of(NODE);

  private final AtomicLong nanos = new AtomicLong(1);
  private final MutableClock clock = new MutableClock();
  private final NodeGroups groups = new NodeGroups(Duration.ofSeconds(10), 512, nanos::get);
  private final XdsCache streamCache = new XdsCache();
  private final StreamTracker tracker = new StreamTracker(groups, streamCache::forget, clock);
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger trackerLog = (Logger) LoggerFactory.getLogger(StreamTracker.class);

  private static final class MutableClock extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public java.time.ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }
  }

  @BeforeEach
  void attachLog() {
    logs.start();
    trackerLog.addAppender(logs);
  }

  @AfterEach
  void detachLog() {
    trackerLog.detachAppender(logs);
    RequestContext.take();
  }

  private static DiscoveryRequest cds() {
    return DiscoveryRequest.newBuilder()
        .setNode(NODE)
        .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
        .build();
  }

  private static DiscoveryResponse response(String nonce) {
    return DiscoveryResponse.newBuilder()
        .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
        .setVersionInfo("v1")
        .setNonce(nonce)
        .build();
  }

  /** A stream that asked for clusters and was sent them. */
  private void openStream(long id) throws RequestException {
    tracker.onStreamOpen(id, "");
    tracker.onV3StreamRequest(id, cds());
    RequestContext.take();
    tracker.onV3StreamResponse(id, cds(), response("0"));
  }

  @Test
  void aClosedStreamLeavesNothingBehind() throws Exception {
    openStream(1);
    openStream(2);
    assertEquals(2, tracker.nodes().size());
    tracker.onStreamClose(1, "");
    tracker.onStreamCloseWithError(2, "", new RuntimeException("reset"));

    assertEquals(List.of(), tracker.nodes());
    assertEquals(0, tracker.streamCount());
    assertEquals(0, streamCache.streamCount());
    nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    assertEquals(1, groups.dropIdle(), "the streams' group lease was released");
  }

  @Test
  void aResponseOrRequestAfterCloseDoesNotBringTheStreamBack() throws Exception {
    openStream(1);
    tracker.onStreamClose(1, "");

    tracker.onV3StreamResponse(1, cds(), response("1")); // the send executor was late
    assertThrows(RequestException.class, () -> tracker.onV3StreamRequest(1, cds()));
    assertEquals(List.of(), tracker.nodes());
    assertEquals(0, tracker.streamCount());
  }

  @Test
  void aPublicationAfterAStreamClosedDoesNotBringBackItsDeliveries() {
    XdsCache cache = new XdsCache();
    VersionedResources first =
        VersionedResources.next(
            null,
            new XdsResources(
                List.of(
                    io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder()
                        .setName("a")
                        .build()),
                List.of(),
                List.of(),
                List.of()));
    cache.set(GROUP, first);
    RequestContext.set(new RequestContext(NODE, null, 7));
    List<Object> got = new ArrayList<>();
    cache.createWatch(
        true,
        XdsRequest.create(cds().toBuilder().setVersionInfo(first.clustersVersion()).build()),
        Set.of(),
        got::add,
        false,
        false);
    RequestContext.take();
    // the initial request was answered; this one waits for a change
    cache.createWatch(
        true,
        XdsRequest.create(cds().toBuilder().setVersionInfo(first.clustersVersion()).build()),
        Set.of(),
        got::add,
        false,
        false);
    assertEquals(1, cache.streamCount());

    cache.forget(7); // the stream closed; its watch is cancelled only just after
    cache.set(
        GROUP,
        VersionedResources.next(
            first,
            new XdsResources(
                List.of(
                    io.envoyproxy.envoy.config.cluster.v3.Cluster.newBuilder()
                        .setName("b")
                        .build()),
                List.of(),
                List.of(),
                List.of())));
    assertEquals(0, cache.streamCount(), "no deliveries kept for a closed stream");
  }

  @Test
  void aStreamsNacksAreLoggedOnceThenAsACount() throws Exception {
    openStream(1);
    DiscoveryRequest nack =
        cds().toBuilder()
            .setResponseNonce("0")
            .setErrorDetail(
                Status.newBuilder().setCode(3).setMessage("bad\nFAKE " + "e".repeat(70_000)))
            .build();
    for (int i = 0; i < 1000; i++) {
      tracker.onV3StreamRequest(1, nack);
      RequestContext.take();
    }
    assertEquals(1, nackLines().size());
    assertTrue(nackLines().get(0).length() < 700, nackLines().get(0));
    assertTrue(!nackLines().get(0).contains("\nFAKE"));

    clock.now = clock.now.plus(StreamTracker.NACK_LOG_INTERVAL);
    tracker.onV3StreamRequest(1, nack);
    RequestContext.take();
    assertEquals(2, nackLines().size());
    assertTrue(nackLines().get(1).contains("999 more NACKs"), nackLines().get(1));

    tracker.onV3StreamRequest(1, nack);
    RequestContext.take();
    tracker.onStreamClose(1, "");
    assertEquals(2, nackLines().size());
    String closing = logs.list.get(logs.list.size() - 1).getFormattedMessage();
    assertTrue(closing.contains("1 more NACKs"), closing);
    assertEquals(1002, tracker.totalNacks());
  }

  private List<String> nackLines() {
    return logs.list.stream()
        .map(ILoggingEvent::getFormattedMessage)
        .filter(m -> m.startsWith("NACK"))
        .toList();
  }

  @Test
  void clientTextIsClippedWithAMarkerAndWithoutLineBreaks() {
    assertEquals("short", ClientText.clip("short"));
    assertEquals("a?b", ClientText.clip("a\nb"));
    String clipped = ClientText.clip("x".repeat(1000));
    assertEquals("x".repeat(256) + "…[+744 chars]", clipped);
    assertEquals("", ClientText.clip(null));
    assertEquals(Locality.of("r1", "a"), GROUP.locality());
  }
}
