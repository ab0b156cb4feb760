package dev.llmxds.xds;

import dev.llmxds.fleet.Locality;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows every xDS stream: its node and node group, and per type the versions sent, ACKed and
 * NACKed (logged with the client's error). Before each request reaches the cache it makes sure the
 * node's group has a snapshot and hands {@link NackGuard} what it needs.
 */
public final class StreamTracker implements DiscoveryServerCallbacks {
  private static final Logger log = LoggerFactory.getLogger(StreamTracker.class);

  private final XdsPublisher publisher;
  private final Clock clock;
  private final Map<Long, StreamState> streams = new ConcurrentHashMap<>();
  private final AtomicLong nacks = new AtomicLong();
  private final Map<String, AtomicLong> responses = new ConcurrentHashMap<>();

  public StreamTracker(XdsPublisher publisher, Clock clock) {
    this.publisher = publisher;
    this.clock = clock;
  }

  private static final class TypeState {
    String sentVersion = "";
    String sentNonce = "";
    String ackedVersion = "";
    long responses;
    long acks;
    long nacks;
    NodeStatus.Nack lastNack;
  }

  private static final class StreamState {
    final long id;
    final Instant connectedAt;
    volatile Node node;
    volatile boolean delta;
    final Map<String, TypeState> types = new HashMap<>();

    StreamState(long id, Instant connectedAt) {
      this.id = id;
      this.connectedAt = connectedAt;
    }

    synchronized NodeStatus snapshot() {
      Node n = node == null ? Node.getDefaultInstance() : node;
      Map<String, NodeStatus.TypeStatus> view = new TreeMap<>();
      types.forEach(
          (type, t) ->
              view.put(
                  XdsType.shortName(type),
                  new NodeStatus.TypeStatus(
                      t.sentVersion, t.ackedVersion, t.responses, t.acks, t.nacks, t.lastNack)));
      return new NodeStatus(
          id,
          n.getId(),
          ClientKind.of(n),
          Locality.of(n.getLocality().getRegion(), n.getLocality().getZone()),
          delta,
          connectedAt,
          Map.copyOf(view));
    }
  }

  private StreamState stream(long streamId) {
    return streams.computeIfAbsent(streamId, id -> new StreamState(id, clock.instant()));
  }

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    stream(streamId);
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    closed(streamId, null);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    closed(streamId, error);
  }

  private void closed(long streamId, Throwable error) {
    publisher.streamClosed(streamId);
    StreamState s = streams.remove(streamId);
    if (s != null && s.node != null) {
      log.info(
          "xDS stream {} of node {} closed{}",
          streamId,
          s.node.getId(),
          error == null ? "" : ": " + error.getMessage());
    }
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    StreamState s = stream(streamId);
    Node node = rememberNode(s, request.hasNode() ? request.getNode() : null);
    String rejected = null;
    synchronized (s) {
      TypeState t = s.types.computeIfAbsent(request.getTypeUrl(), k -> new TypeState());
      boolean answersLatest =
          !request.getResponseNonce().isEmpty() && request.getResponseNonce().equals(t.sentNonce);
      if (answersLatest && request.hasErrorDetail()) {
        rejected = t.sentVersion;
        recordNack(s, t, request.getTypeUrl(), rejected, request.getErrorDetail().getMessage());
      } else if (answersLatest) {
        t.acks++;
        t.ackedVersion = request.getVersionInfo();
      }
    }
    RequestContext.set(new RequestContext(node, rejected, streamId));
  }

  @Override
  public void onV3StreamResponse(
      long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    countResponse(response.getTypeUrl());
    StreamState s = stream(streamId);
    synchronized (s) {
      TypeState t = s.types.computeIfAbsent(response.getTypeUrl(), k -> new TypeState());
      t.responses++;
      t.sentVersion = response.getVersionInfo();
      t.sentNonce = response.getNonce();
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
    StreamState s = stream(streamId);
    s.delta = true;
    Node node = rememberNode(s, request.hasNode() ? request.getNode() : null);
    synchronized (s) {
      TypeState t = s.types.computeIfAbsent(request.getTypeUrl(), k -> new TypeState());
      if (!request.getResponseNonce().isEmpty() && request.getResponseNonce().equals(t.sentNonce)) {
        if (request.hasErrorDetail()) {
          recordNack(
              s, t, request.getTypeUrl(), t.sentVersion, request.getErrorDetail().getMessage());
        } else {
          t.acks++;
          t.ackedVersion = t.sentVersion;
        }
      }
    }
    RequestContext.set(new RequestContext(node, null, streamId));
  }

  @Override
  public void onV3StreamDeltaResponse(
      long streamId, DeltaDiscoveryRequest request, DeltaDiscoveryResponse response) {
    countResponse(response.getTypeUrl());
    StreamState s = stream(streamId);
    synchronized (s) {
      TypeState t = s.types.computeIfAbsent(response.getTypeUrl(), k -> new TypeState());
      t.responses++;
      t.sentVersion = response.getSystemVersionInfo();
      t.sentNonce = response.getNonce();
    }
  }

  private Node rememberNode(StreamState s, Node fromRequest) {
    if (fromRequest != null && (s.node == null || !s.node.equals(fromRequest))) {
      boolean first = s.node == null;
      s.node = fromRequest;
      if (first) {
        log.info(
            "xDS stream {} from node {} ({}, {})",
            s.id,
            fromRequest.getId(),
            ClientKind.of(fromRequest),
            NodeGroupKey.of(fromRequest).locality());
      }
    }
    Node node = s.node;
    publisher.ensureGroup(NodeGroupKey.of(node == null ? Node.getDefaultInstance() : node));
    return node;
  }

  private void recordNack(
      StreamState s, TypeState t, String typeUrl, String version, String error) {
    t.nacks++;
    t.lastNack = new NodeStatus.Nack(version, error, clock.instant());
    nacks.incrementAndGet();
    log.warn(
        "NACK from node {} ({}) for {} version {}: {}",
        s.node == null ? "?" : s.node.getId(),
        s.node == null ? "?" : NodeGroupKey.of(s.node),
        XdsType.shortName(typeUrl),
        version,
        error);
  }

  /** Every connected stream, oldest first. */
  public List<NodeStatus> nodes() {
    return streams.values().stream()
        .map(StreamState::snapshot)
        .sorted(Comparator.comparingLong(NodeStatus::streamId))
        .toList();
  }

  public long totalNacks() {
    return nacks.get();
  }

  private void countResponse(String typeUrl) {
    responses.computeIfAbsent(XdsType.shortName(typeUrl), k -> new AtomicLong()).incrementAndGet();
  }

  /** Responses sent since start, of one type ({@code cds}, {@code eds}, ...). */
  public long responsesSent(String type) {
    AtomicLong n = responses.get(type);
    return n == null ? 0 : n.get();
  }
}
