package dev.llmxds.xds.serve;

import dev.llmxds.fleet.Locality;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.ResourceTypes;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.time.Clock;
import java.time.Duration;
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
 * NACKed (logged with the client's error). Before each request reaches the cache it checks the
 * request against the limits below, holds a lease on the node's group (which publishes the group's
 * snapshot when it is new) and hands {@link NackGuard} what it needs.
 *
 * <p>Everything here is client input. A request is refused with INVALID_ARGUMENT (the stream ends)
 * when its node exceeds {@link #MAX_NODE_BYTES}, its node id {@link #MAX_NODE_ID_BYTES}, its
 * region, zone or sub-zone {@link #MAX_LOCALITY_CHARS} (or region or zone holds a control
 * character), its type URL {@link #MAX_TYPE_URL_CHARS}, or when one stream asks for more than
 * {@link #MAX_TYPES_PER_STREAM} type URLs; with RESOURCE_EXHAUSTED when its node group would exceed
 * {@code xds.maxNodeGroups}. Only a slim copy of the node is kept (id, cluster, user agent,
 * locality), every client string kept or logged is {@link ClientText#clip clipped}, and a stream's
 * NACKs are logged once, then as a count at most every {@link #NACK_LOG_INTERVAL} and when the
 * stream closes. A stream's state is freed when it closes.
 */
public final class StreamTracker implements DiscoveryServerCallbacks {
  private static final Logger log = LoggerFactory.getLogger(StreamTracker.class);

  /**
   * Largest accepted Node message. Envoy sends every compiled-in extension in it (about 11-23 KB
   * seen in the wild, Istio metadata included), so the cap leaves room for that and no more.
   */
  public static final int MAX_NODE_BYTES = 64 * 1024;

  /** Longest accepted node id, UTF-8 (Kubernetes pod, namespace and domain names fit). */
  public static final int MAX_NODE_ID_BYTES = 1024;

  /** Longest accepted region, zone and sub-zone: they name node groups, so they are not clipped. */
  public static final int MAX_LOCALITY_CHARS = 256;

  /** Longest accepted type URL (the longest Envoy type URL is under 100 characters). */
  public static final int MAX_TYPE_URL_CHARS = 256;

  /** Most distinct type URLs one stream may ask for (Envoy uses a handful). */
  public static final int MAX_TYPES_PER_STREAM = 16;

  /** After a stream's first NACK line, its further NACKs are logged as a count this often. */
  public static final Duration NACK_LOG_INTERVAL = Duration.ofSeconds(30);

  private static final long REFUSAL_LOG_INTERVAL_MILLIS = 10_000;

  private final NodeGroups groups;
  private final java.util.function.LongConsumer streamClosed;
  private final Clock clock;
  private final Map<Long, StreamState> streams = new ConcurrentHashMap<>();
  private final AtomicLong nacks = new AtomicLong();
  private final AtomicLong refused = new AtomicLong();
  private final Map<String, AtomicLong> responses = new ConcurrentHashMap<>();
  private long lastRefusalLog = Long.MIN_VALUE;
  private long refusalsNotLogged;

  /**
   * @param groups the node-group books: each stream holds a lease on its group
   * @param streamClosed told when a stream closes (the cache forgets what it was sent)
   */
  public StreamTracker(
      NodeGroups groups, java.util.function.LongConsumer streamClosed, Clock clock) {
    this.groups = groups;
    this.streamClosed = streamClosed;
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
    NodeGroups.Lease lease; // guarded by this
    boolean closed; // guarded by this
    Instant nackLoggedAt; // guarded by this
    long nacksNotLogged; // guarded by this

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
                  ClientText.clip(ResourceTypes.shortName(type)),
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

  /**
   * The state of an open stream. A request that arrives after its stream was closed (gRPC still
   * delivers messages already received when a refused stream ends) must not bring the state back:
   * it is answered with CANCELLED, which java-control-plane does not log.
   */
  private StreamState stream(long streamId) throws XdsRefusal {
    StreamState s = streams.get(streamId);
    if (s == null) {
      throw new XdsRefusal(Status.Code.CANCELLED, "the stream is closed");
    }
    return s;
  }

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    streams.computeIfAbsent(streamId, id -> new StreamState(id, clock.instant()));
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
    streamClosed.accept(streamId);
    StreamState s = streams.remove(streamId);
    if (s == null) {
      return;
    }
    long unlogged;
    NodeGroups.Lease release;
    synchronized (s) {
      s.closed = true;
      release = s.lease;
      s.lease = null;
      unlogged = s.nacksNotLogged;
    }
    if (release != null) {
      release.close();
    }
    if (s.node != null) {
      log.info(
          "xDS stream {} of node {} closed{}{}",
          streamId,
          ClientText.clip(s.node.getId()),
          error == null ? "" : ": " + ClientText.clip(error.getMessage()),
          unlogged == 0 ? "" : " (" + unlogged + " more NACKs since the last NACK line)");
    }
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) throws RequestException {
    StreamState s = stream(streamId);
    check(s, request.hasNode() ? request.getNode() : null, request.getTypeUrl());
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
        t.ackedVersion = ClientText.clip(request.getVersionInfo());
      }
    }
    RequestContext.set(new RequestContext(node, rejected, streamId));
  }

  @Override
  public void onV3StreamResponse(
      long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    countResponse(response.getTypeUrl());
    StreamState s = streams.get(streamId);
    if (s == null) {
      return; // sent while the stream closed: do not bring its state back
    }
    synchronized (s) {
      TypeState t = s.types.computeIfAbsent(response.getTypeUrl(), k -> new TypeState());
      t.responses++;
      t.sentVersion = response.getVersionInfo();
      t.sentNonce = response.getNonce();
    }
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request)
      throws RequestException {
    StreamState s = stream(streamId);
    s.delta = true;
    check(s, request.hasNode() ? request.getNode() : null, request.getTypeUrl());
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
    StreamState s = streams.get(streamId);
    if (s == null) {
      return;
    }
    synchronized (s) {
      TypeState t = s.types.computeIfAbsent(response.getTypeUrl(), k -> new TypeState());
      t.responses++;
      t.sentVersion = response.getSystemVersionInfo();
      t.sentNonce = response.getNonce();
    }
  }

  /** Refuses a request that exceeds a limit; the stream then ends with the returned status. */
  private void check(StreamState s, Node node, String typeUrl) throws XdsRefusal {
    String problem = null;
    if (node != null) {
      int size = node.getSerializedSize();
      if (size > MAX_NODE_BYTES) {
        problem = "node is " + size + " bytes; the limit is " + MAX_NODE_BYTES + " bytes";
      } else if (node.getIdBytes().size() > MAX_NODE_ID_BYTES) {
        problem =
            "node id is "
                + node.getIdBytes().size()
                + " bytes; the limit is "
                + MAX_NODE_ID_BYTES
                + " bytes";
      } else if (node.getLocality().getRegion().length() > MAX_LOCALITY_CHARS
          || node.getLocality().getZone().length() > MAX_LOCALITY_CHARS
          || node.getLocality().getSubZone().length() > MAX_LOCALITY_CHARS) {
        problem =
            "node locality region, zone and sub_zone are limited to "
                + MAX_LOCALITY_CHARS
                + " characters each";
      } else if (hasControl(node.getLocality().getRegion())
          || hasControl(node.getLocality().getZone())) {
        problem = "node locality region and zone must not contain control characters";
      }
    }
    if (problem == null && typeUrl.length() > MAX_TYPE_URL_CHARS) {
      problem =
          "type_url is "
              + typeUrl.length()
              + " characters; the limit is "
              + MAX_TYPE_URL_CHARS
              + " characters";
    }
    if (problem == null) {
      synchronized (s) {
        if (!s.types.containsKey(typeUrl) && s.types.size() >= MAX_TYPES_PER_STREAM) {
          problem = "a stream may ask for at most " + MAX_TYPES_PER_STREAM + " type URLs";
        }
      }
    }
    if (problem != null) {
      throw refuse(s, Status.Code.INVALID_ARGUMENT, problem);
    }
  }

  private static boolean hasControl(String s) {
    for (int i = 0; i < s.length(); i++) {
      if (Character.isISOControl(s.charAt(i))) {
        return true;
      }
    }
    return false;
  }

  private XdsRefusal refuse(StreamState s, Status.Code code, String problem) {
    refused.incrementAndGet();
    long now = clock.millis();
    String suppressed = null;
    synchronized (this) {
      if (lastRefusalLog == Long.MIN_VALUE || now - lastRefusalLog >= REFUSAL_LOG_INTERVAL_MILLIS) {
        suppressed =
            refusalsNotLogged == 0 ? "" : " (" + refusalsNotLogged + " more refused, not logged)";
        lastRefusalLog = now;
        refusalsNotLogged = 0;
      } else {
        refusalsNotLogged++;
      }
    }
    if (suppressed != null) {
      log.warn("refusing xDS stream {} with {}: {}{}", s.id, code, problem, suppressed);
    }
    return new XdsRefusal(code, problem);
  }

  /** The parts of a node llm-xds uses, with its client strings clipped. */
  static Node slim(Node node) {
    Node.Builder b =
        Node.newBuilder()
            .setId(ClientText.clip(node.getId()))
            .setCluster(ClientText.clip(node.getCluster()))
            .setUserAgentName(ClientText.clip(node.getUserAgentName()));
    if (node.hasLocality()) {
      b.setLocality(node.getLocality());
    }
    if (node.hasUserAgentVersion()) {
      b.setUserAgentVersion(ClientText.clip(node.getUserAgentVersion()));
    }
    return b.build();
  }

  private Node rememberNode(StreamState s, Node fromRequest) throws XdsRefusal {
    Node slim = fromRequest == null ? null : slim(fromRequest);
    if (slim != null && (s.node == null || !s.node.equals(slim))) {
      boolean first = s.node == null;
      s.node = slim;
      if (first) {
        log.info(
            "xDS stream {} from node {} ({}, {})",
            s.id,
            slim.getId(),
            ClientKind.of(slim),
            NodeGroupKey.of(slim).locality());
      }
    }
    Node node = s.node;
    NodeGroupKey group = NodeGroupKey.of(node == null ? Node.getDefaultInstance() : node);
    NodeGroups.Lease held;
    synchronized (s) {
      held = s.lease;
    }
    if (held == null || !held.group().equals(group)) {
      // outside the stream's lock: announcing a new group must not hold up the stream's
      // response callbacks
      NodeGroups.Lease next;
      try {
        next = groups.acquire(group);
      } catch (GroupLimitException e) {
        throw refuse(s, Status.Code.RESOURCE_EXHAUSTED, e.getMessage());
      }
      NodeGroups.Lease release;
      synchronized (s) {
        if (s.closed) {
          release = next; // closed meanwhile: hold nothing
        } else {
          release = s.lease;
          s.lease = next;
        }
      }
      if (release != null) {
        release.close();
      }
    }
    return node;
  }

  private void recordNack(
      StreamState s, TypeState t, String typeUrl, String version, String error) {
    t.nacks++;
    String clipped = ClientText.clip(error);
    Instant now = clock.instant();
    t.lastNack = new NodeStatus.Nack(version, clipped, now);
    nacks.incrementAndGet();
    String more = null;
    if (s.nackLoggedAt == null) {
      more = "";
    } else if (!now.isBefore(s.nackLoggedAt.plus(NACK_LOG_INTERVAL))) {
      more =
          s.nacksNotLogged == 0
              ? ""
              : " (and " + s.nacksNotLogged + " more NACKs on this stream since the last line)";
    }
    if (more == null) {
      s.nacksNotLogged++;
      return;
    }
    s.nackLoggedAt = now;
    s.nacksNotLogged = 0;
    log.warn(
        "NACK from node {} ({}) for {} version {}: {}{}",
        s.node == null ? "?" : s.node.getId(),
        s.node == null ? "?" : NodeGroupKey.of(s.node),
        ClientText.clip(ResourceTypes.shortName(typeUrl)),
        version,
        clipped,
        more);
  }

  /** Every connected stream, oldest first. */
  public List<NodeStatus> nodes() {
    return streams.values().stream()
        .map(StreamState::snapshot)
        .sorted(Comparator.comparingLong(NodeStatus::streamId))
        .toList();
  }

  /** Streams whose state is kept (open streams). */
  public int streamCount() {
    return streams.size();
  }

  public long totalNacks() {
    return nacks.get();
  }

  /** Requests refused for exceeding a limit (the stream was ended). */
  public long refusedRequests() {
    return refused.get();
  }

  private void countResponse(String typeUrl) {
    String type = ResourceTypes.shortName(typeUrl);
    if (type.equals(typeUrl)) {
      type = "other"; // only our own four types are ever answered; keep the map bounded anyway
    }
    responses.computeIfAbsent(type, k -> new AtomicLong()).incrementAndGet();
  }

  /** Responses sent since start, of one type ({@code cds}, {@code eds}, ...). */
  public long responsesSent(String type) {
    AtomicLong n = responses.get(type);
    return n == null ? 0 : n.get();
  }
}
