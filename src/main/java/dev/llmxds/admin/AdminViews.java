package dev.llmxds.admin;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.llmxds.admin.v1.ConfigDump;
import dev.llmxds.admin.v1.DiscoveryStatus;
import dev.llmxds.admin.v1.Endpoint;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.Load;
import dev.llmxds.admin.v1.Nack;
import dev.llmxds.admin.v1.Node;
import dev.llmxds.admin.v1.Nodes;
import dev.llmxds.admin.v1.Service;
import dev.llmxds.admin.v1.TypeStatus;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.weighting.EndpointLoad;
import dev.llmxds.weighting.EndpointWeights;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.serve.NodeStatus;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;

/**
 * The admin views as {@code proto/} messages, read from the same state the reconciler publishes:
 * the published fleet and weights, the load book, the stream tracker, discovery's status.
 */
public final class AdminViews {
  private static final JsonFormat.TypeRegistry ENVOY_TYPES =
      JsonFormat.TypeRegistry.newBuilder()
          .add(HttpConnectionManager.getDescriptor())
          .add(Router.getDescriptor())
          .add(PreviousHostsPredicate.getDescriptor())
          .add(
              io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality
                  .getDescriptor())
          .add(
              io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest
                  .getDescriptor())
          .add(
              io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin
                  .getDescriptor())
          .add(
              io.envoyproxy.envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash
                  .getDescriptor())
          .build();
  private static final JsonFormat.Printer ENVOY_JSON =
      JsonFormat.printer().usingTypeRegistry(ENVOY_TYPES).omittingInsignificantWhitespace();

  /** The longest client-supplied name or version an admin view shows (node id, zone, type …). */
  static final int MAX_NAME = 256;

  /** The longest error text an admin view shows (NACK details, discovery and scrape errors). */
  static final int MAX_DETAIL = 1024;

  private final AdminSource source;

  public AdminViews(AdminSource source) {
    this.source = source;
  }

  public Fleet fleet() {
    dev.llmxds.reconcile.Published published = source.published();
    dev.llmxds.fleet.Fleet fleet = published.fleet();
    long now = System.nanoTime();
    Fleet.Builder out =
        Fleet.newBuilder()
            .setDiscovery(discovery(source.discovery()))
            .setPublications(published.publications())
            .setWeightUpdates(published.weightUpdates());
    for (InferenceService s : fleet.services().values()) {
      Service.Builder service = Service.newBuilder().setName(s.name()).addAllModels(s.models());
      double queue = 0;
      double running = 0;
      double kvSum = 0;
      int kvCount = 0;
      for (dev.llmxds.fleet.Endpoint e : s.endpoints()) {
        double factor = published.weights().factor(s.name(), e.id());
        Endpoint.Builder ep =
            Endpoint.newBuilder()
                .setId(e.id())
                .setAddress(e.address())
                .setPort(e.port())
                .setRegion(e.locality().region())
                .setZone(e.locality().zone())
                .setHealth(e.health().name())
                .setBackup(e.backup())
                .setStaticWeight(e.staticWeight())
                .setFactor(factor)
                .setWeight(EndpointWeights.weight(e.staticWeight(), factor));
        EndpointLoad load = source.load(s.name(), e.id());
        if (load != null) {
          if (load.engine() != null) {
            ep.setEngine(clip(load.engine(), MAX_NAME));
          }
          if (load.lastError() != null) {
            ep.setScrapeError(clip(load.lastError(), MAX_DETAIL));
          }
          if (load.last() != null) {
            Load.Builder l =
                Load.newBuilder()
                    .setRunning(load.last().running())
                    .setWaiting(load.last().waiting());
            if (load.state() != null && load.state().throughput().knowsSpeed()) {
              l.setDecodeTokensPerSecond(load.state().throughput().speed());
            }
            if (load.last().knowsKv()) {
              l.setKvUsage(load.last().kvUsage());
              kvSum += load.last().kvUsage();
              kvCount++;
            }
            ep.setLoad(l);
            ep.setScrapeAgeSeconds((now - load.lastScrapeNanos()) / 1e9);
            queue += load.last().waiting();
            running += load.last().running();
          }
        }
        service.addEndpoints(ep);
      }
      service.setQueueDepth(queue).setRunning(running);
      if (kvCount > 0) {
        service.setKvUsage(kvSum / kvCount);
      }
      out.addServices(service);
    }
    return out.build();
  }

  static DiscoveryStatus discovery(dev.llmxds.discovery.DiscoveryStatus s) {
    return DiscoveryStatus.newBuilder()
        .setSource(s.source())
        .setLastSuccess(text(s.lastSuccess()))
        .setLastErrorAt(text(s.lastErrorAt()))
        .setLastError(s.lastError() == null ? "" : clip(s.lastError(), MAX_DETAIL))
        .setFailing(s.failing())
        .addAllSkipped(s.skipped())
        .build();
  }

  /**
   * {@code s} cut to at most {@code max} characters plus a marker saying how much was cut; a
   * surrogate pair is never split. Client-supplied strings pass through here before any view shows
   * them; the HTML page escapes them on top.
   */
  static String clip(String s, int max) {
    if (s == null || s.length() <= max) {
      return s == null ? "" : s;
    }
    int end = Character.isHighSurrogate(s.charAt(max - 1)) ? max - 1 : max;
    return s.substring(0, end) + "…[truncated " + (s.length() - end) + " chars]";
  }

  private static String text(Instant i) {
    return i == null ? "" : i.toString();
  }

  public Nodes nodes() {
    Nodes.Builder out = Nodes.newBuilder();
    for (NodeStatus n : source.streams().nodes()) {
      Node.Builder node =
          Node.newBuilder()
              .setStreamId(n.streamId())
              .setNodeId(clip(n.nodeId(), MAX_NAME))
              .setKind(n.kind().name().toLowerCase(Locale.ROOT))
              .setRegion(clip(n.locality().region(), MAX_NAME))
              .setZone(clip(n.locality().zone(), MAX_NAME))
              .setDelta(n.delta())
              .setConnectedAt(n.connectedAt().toString());
      for (Map.Entry<String, NodeStatus.TypeStatus> t : n.types().entrySet()) {
        NodeStatus.TypeStatus s = t.getValue();
        TypeStatus.Builder type =
            TypeStatus.newBuilder()
                .setSentVersion(clip(s.sentVersion(), MAX_NAME))
                .setAckedVersion(clip(s.ackedVersion(), MAX_NAME))
                .setResponses(s.responses())
                .setAcks(s.acks())
                .setNacks(s.nacks());
        if (s.lastNack() != null) {
          type.setLastNack(
              Nack.newBuilder()
                  .setVersion(clip(s.lastNack().version(), MAX_NAME))
                  .setError(clip(s.lastNack().error(), MAX_DETAIL))
                  .setAt(s.lastNack().at().toString()));
        }
        node.putTypes(clip(t.getKey(), MAX_NAME), type.build());
      }
      out.addNodes(node);
    }
    return out.build();
  }

  /**
   * The resources a node of {@code kind} in {@code zone} receives. Without {@code region}, the
   * region is the one the fleet places that zone in.
   */
  public ConfigDump configDump(String kind, String region, String zone) {
    ClientKind clientKind =
        kind == null || kind.isBlank()
            ? ClientKind.SIDECAR
            : ClientKind.valueOf(kind.strip().toUpperCase(Locale.ROOT));
    String r = region == null ? "" : region.strip();
    String z = zone == null ? "" : zone.strip();
    if (r.isEmpty() && !z.isEmpty()) {
      r = regionOf(z);
    }
    VersionedResources v = source.preview(new NodeGroupKey(clientKind, Locality.of(r, z)));
    ConfigDump.Builder out =
        ConfigDump.newBuilder()
            .setKind(clientKind.name().toLowerCase(Locale.ROOT))
            .setRegion(r)
            .setZone(z)
            .putVersions("cds", v.clustersVersion())
            .putVersions("eds", v.endpointsVersion())
            .putVersions("lds", v.listenersVersion())
            .putVersions("rds", v.routesVersion());
    v.resources().listeners().forEach(m -> out.addListeners(struct(m)));
    v.resources().routes().forEach(m -> out.addRoutes(struct(m)));
    v.resources().clusters().forEach(m -> out.addClusters(struct(m)));
    v.resources().loadAssignments().forEach(m -> out.addEndpoints(struct(m)));
    return out.build();
  }

  private String regionOf(String zone) {
    return source.published().fleet().services().values().stream()
        .flatMap(s -> s.endpoints().stream())
        .map(dev.llmxds.fleet.Endpoint::locality)
        .filter(l -> l.zone().equals(zone))
        .map(Locality::region)
        .findFirst()
        .orElse("");
  }

  /** An Envoy resource in its protobuf JSON form, as a Struct. */
  public static Struct struct(Message m) {
    try {
      Struct.Builder b = Struct.newBuilder();
      JsonFormat.parser().merge(ENVOY_JSON.print(m), b);
      return b.build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("cannot render " + m.getDescriptorForType().getName(), e);
    }
  }

  public static String json(Message m) {
    try {
      return JsonFormat.printer().includingDefaultValueFields().print(m);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException(e);
    }
  }
}
