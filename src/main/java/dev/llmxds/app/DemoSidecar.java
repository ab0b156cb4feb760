package dev.llmxds.app;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.llmxds.demo.SidecarTraffic;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One simulated Envoy sidecar of the demo, speaking real xDS to the server: a state-of-the-world
 * ADS stream, a node id and locality, a wildcard CDS subscription, then EDS for every EDS cluster
 * it received; every response is ACKed (version and nonce of the response echoed back) or NACKed
 * when it does not parse. What EDS delivers becomes the endpoints its {@link SidecarTraffic}
 * balances over: like Envoy, the highest-priority level (lowest number) that has healthy endpoints,
 * with the load-balancing weight of each endpoint. Listeners and routes are not asked for: the
 * sidecar sends to its one cluster directly. The stream is re-opened a second after it fails, on a
 * timer shared by every sidecar.
 */
final class DemoSidecar implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DemoSidecar.class);
  static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  static final String EDS = "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment";

  private final Node node;
  private final String cluster;
  private final SidecarTraffic traffic;
  private final ManagedChannel channel;
  private final ScheduledExecutorService retry;
  private final AtomicLong acks = new AtomicLong();
  private final AtomicLong nacks = new AtomicLong();
  private StreamObserver<DiscoveryRequest> requests;
  private List<String> edsNames = List.of();
  private volatile boolean closed;

  DemoSidecar(
      String nodeId,
      String region,
      String zone,
      String host,
      int xdsPort,
      String cluster,
      SidecarTraffic traffic,
      ScheduledExecutorService retry) {
    Node.Builder b =
        Node.newBuilder()
            .setId(nodeId)
            .setCluster("demo-sidecars")
            .setUserAgentName("envoy")
            .setUserAgentVersion("llm-xds-demo");
    b.getLocalityBuilder().setRegion(region).setZone(zone);
    this.node = b.build();
    this.cluster = cluster;
    this.traffic = traffic;
    this.channel =
        Grpc.newChannelBuilderForAddress(host, xdsPort, InsecureChannelCredentials.create())
            .build();
    this.retry = retry;
  }

  String nodeId() {
    return node.getId();
  }

  String zone() {
    return node.getLocality().getZone();
  }

  SidecarTraffic traffic() {
    return traffic;
  }

  long acks() {
    return acks.get();
  }

  long nacks() {
    return nacks.get();
  }

  DemoSidecar start() {
    open();
    return this;
  }

  private synchronized void open() {
    if (closed) {
      return;
    }
    edsNames = List.of();
    requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel)
            .streamAggregatedResources(
                new StreamObserver<>() {
                  @Override
                  public void onNext(DiscoveryResponse r) {
                    onResponse(r);
                  }

                  @Override
                  public void onError(Throwable t) {
                    reopen(t.toString());
                  }

                  @Override
                  public void onCompleted() {
                    reopen("stream closed by the server");
                  }
                });
    send(CDS, List.of(), "", "", null);
  }

  private void reopen(String why) {
    if (closed) {
      return;
    }
    log.debug("demo sidecar {}: {}; re-opening in 1 s", node.getId(), why);
    try {
      retry.schedule(this::open, 1, TimeUnit.SECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private synchronized void onResponse(DiscoveryResponse r) {
    if (closed) {
      return;
    }
    try {
      if (r.getTypeUrl().equals(CDS)) {
        List<String> names = new ArrayList<>();
        for (var any : r.getResourcesList()) {
          Cluster c = any.unpack(Cluster.class);
          if (c.hasEdsClusterConfig()) {
            String s = c.getEdsClusterConfig().getServiceName();
            names.add(s.isEmpty() ? c.getName() : s);
          }
        }
        ack(r, List.of());
        if (!names.equals(edsNames)) {
          edsNames = List.copyOf(names);
          send(EDS, edsNames, "", "", null); // a new subscription: versions start over
        }
      } else if (r.getTypeUrl().equals(EDS)) {
        Map<String, ClusterLoadAssignment> byName = new TreeMap<>();
        for (var any : r.getResourcesList()) {
          ClusterLoadAssignment a = any.unpack(ClusterLoadAssignment.class);
          byName.put(a.getClusterName(), a);
        }
        ack(r, edsNames);
        ClusterLoadAssignment mine = byName.get(cluster);
        if (mine != null) {
          traffic.update(targets(mine));
        }
      } else {
        ack(r, List.of());
      }
    } catch (InvalidProtocolBufferException | RuntimeException e) {
      nacks.incrementAndGet();
      String error = "demo sidecar cannot use " + r.getTypeUrl() + ": " + e.getMessage();
      send(
          r.getTypeUrl(),
          r.getTypeUrl().equals(EDS) ? edsNames : List.of(),
          "",
          r.getNonce(),
          error);
    }
  }

  private void ack(DiscoveryResponse r, List<String> names) {
    acks.incrementAndGet();
    send(r.getTypeUrl(), names, r.getVersionInfo(), r.getNonce(), null);
  }

  private void send(String type, List<String> names, String version, String nonce, String error) {
    DiscoveryRequest.Builder b =
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(type)
            .addAllResourceNames(names)
            .setVersionInfo(version)
            .setResponseNonce(nonce);
    if (error != null) {
      b.getErrorDetailBuilder().setCode(3).setMessage(error);
    }
    try {
      requests.onNext(b.build());
    } catch (RuntimeException e) {
      reopen(e.toString());
    }
  }

  /**
   * The endpoints Envoy would send to: the first priority level with a HEALTHY (or UNKNOWN)
   * endpoint, else the first with a DEGRADED one. (Envoy spills part of the traffic to the next
   * level once a level is less than ~71 % healthy, overprovisioning factor 1.4; not modelled.)
   */
  static List<SidecarTraffic.Target> targets(ClusterLoadAssignment a) {
    Map<Integer, List<SidecarTraffic.Target>> healthy = new TreeMap<>();
    Map<Integer, List<SidecarTraffic.Target>> degraded = new TreeMap<>();
    for (LocalityLbEndpoints group : a.getEndpointsList()) {
      for (LbEndpoint e : group.getLbEndpointsList()) {
        var socket = e.getEndpoint().getAddress().getSocketAddress();
        var t =
            new SidecarTraffic.Target(
                socket.getAddress(),
                socket.getPortValue(),
                e.hasLoadBalancingWeight() ? e.getLoadBalancingWeight().getValue() : 1);
        HealthStatus h = e.getHealthStatus();
        if (h == HealthStatus.HEALTHY || h == HealthStatus.UNKNOWN) {
          healthy.computeIfAbsent(group.getPriority(), k -> new ArrayList<>()).add(t);
        } else if (h == HealthStatus.DEGRADED) {
          degraded.computeIfAbsent(group.getPriority(), k -> new ArrayList<>()).add(t);
        }
      }
    }
    if (!healthy.isEmpty()) {
      return healthy.values().iterator().next();
    }
    return degraded.isEmpty() ? List.of() : degraded.values().iterator().next();
  }

  @Override
  public void close() {
    synchronized (this) {
      closed = true;
      if (requests != null) {
        try {
          requests.onCompleted();
        } catch (RuntimeException ignored) {
          // already gone
        }
      }
    }
    traffic.close();
    channel.shutdownNow();
  }
}
