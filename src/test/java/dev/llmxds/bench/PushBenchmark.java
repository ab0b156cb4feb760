package dev.llmxds.bench;

import com.google.protobuf.ByteString;
import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.fleet.Locality;
import dev.llmxds.reconcile.Snapshots;
import dev.llmxds.testing.Await;
import dev.llmxds.weighting.WeightTable;
import dev.llmxds.xds.projection.XdsProjection;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.serve.NodeGroups;
import dev.llmxds.xds.serve.StreamTracker;
import dev.llmxds.xds.serve.XdsCache;
import dev.llmxds.xds.serve.XdsServer;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.serializer.DefaultProtoResourcesSerializer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.function.IntConsumer;

/**
 * Push cost at fleet scale: the server in-process with 100 services × 100 endpoints over three
 * zones in two regions, N raw ADS streams that subscribe like Envoy (wildcard CDS and LDS, then the
 * named EDS and RDS resources) and ACK every response; one change at a time, measuring until every
 * stream has ACKed the new version; then all streams reconnecting at once. The same run against
 * java-control-plane's SimpleCache path and against llm-xds's incremental cache, one table.
 *
 * <pre>mvn -B -ntp -q test-compile exec:java -Dexec.classpathScope=test \
 *     -Dexec.mainClass=dev.llmxds.bench.PushBenchmark [-Dexec.args="1000 100 100"] \
 *     [-Dmodes=incremental]</pre>
 */
public final class PushBenchmark {
  private static final Duration POLL = Duration.ofMillis(2);

  private static final com.sun.management.ThreadMXBean THREADS =
      (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
  private static final List<Locality> ZONES =
      List.of(Locality.of("r1", "a"), Locality.of("r1", "b"), Locality.of("r2", "c"));

  record Row(
      String change,
      double p50,
      double p99,
      double max,
      double publishMs,
      long responses,
      long bytes,
      double serverCpu,
      long heapMb) {}

  /** One Envoy-like ADS stream. */
  static final class Stream implements StreamObserver<DiscoveryResponse> {
    final NodeGroupKey group;
    final Node node;
    StreamObserver<DiscoveryRequest> requests;
    final Map<String, String> versions = new HashMap<>();
    final Map<String, Long> ackedAt = new HashMap<>();
    volatile int clustersSeen;
    boolean edsSubscribed;
    boolean rdsSubscribed;
    List<String> clusterNames = List.of();

    /** Per type, the request an ACK repeats (its subscribed names); version and nonce are set. */
    final Map<String, DiscoveryRequest> acks = new HashMap<>();

    final AtomicLong responses;
    final AtomicLong bytes;

    Stream(int i, Locality zone, AtomicLong responses, AtomicLong bytes) {
      this.node =
          Node.newBuilder()
              .setId("envoy-" + i)
              .setUserAgentName("envoy")
              .setLocality(
                  io.envoyproxy.envoy.config.core.v3.Locality.newBuilder()
                      .setRegion(zone.region())
                      .setZone(zone.zone()))
              .build();
      this.group = NodeGroupKey.of(node);
      this.responses = responses;
      this.bytes = bytes;
    }

    void open(AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub) {
      requests = stub.streamAggregatedResources(this);
      send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
              .build());
      send(
          DiscoveryRequest.newBuilder()
              .setNode(node)
              .setTypeUrl(Resources.V3.LISTENER_TYPE_URL)
              .build());
    }

    synchronized void send(DiscoveryRequest r) {
      requests.onNext(r);
    }

    @Override
    public synchronized void onNext(DiscoveryResponse r) {
      responses.incrementAndGet();
      bytes.addAndGet(r.getSerializedSize());
      String type = r.getTypeUrl();
      if (type.equals(Resources.V3.CLUSTER_TYPE_URL)) {
        clusterNames = r.getResourcesList().stream().map(Resources::getResourceName).toList();
        clustersSeen = clusterNames.size();
        DiscoveryRequest.Builder eds =
            DiscoveryRequest.newBuilder().setTypeUrl(Resources.V3.ENDPOINT_TYPE_URL);
        // names kept as UTF-8 bytes: each ACK copies them instead of encoding them again
        clusterNames.forEach(n -> eds.addResourceNamesBytes(ByteString.copyFromUtf8(n)));
        acks.put(Resources.V3.ENDPOINT_TYPE_URL, eds.build());
      }
      send(
          acks
              .computeIfAbsent(type, t -> DiscoveryRequest.newBuilder().setTypeUrl(t).build())
              .toBuilder()
              .setVersionInfo(r.getVersionInfo())
              .setResponseNonce(r.getNonce())
              .build());
      versions.put(type, r.getVersionInfo());
      ackedAt.put(type, System.nanoTime());
      if (type.equals(Resources.V3.CLUSTER_TYPE_URL) && !edsSubscribed) {
        edsSubscribed = true;
        send(acks.get(Resources.V3.ENDPOINT_TYPE_URL));
      }
      if (type.equals(Resources.V3.LISTENER_TYPE_URL) && !rdsSubscribed) {
        rdsSubscribed = true;
        DiscoveryRequest rds =
            DiscoveryRequest.newBuilder()
                .setTypeUrl(Resources.V3.ROUTE_TYPE_URL)
                .addResourceNames("llm-xds-http")
                .build();
        acks.put(Resources.V3.ROUTE_TYPE_URL, rds);
        send(rds);
      }
    }

    synchronized String version(String type) {
      return versions.get(type);
    }

    synchronized Long ackedAt(String type) {
      return ackedAt.get(type);
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {}

    void close() {
      try {
        requests.onCompleted();
      } catch (RuntimeException ignored) {
        // already closed
      }
    }
  }

  public static void main(String[] args) throws Exception {
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("dev.llmxds"))
        .setLevel(ch.qos.logback.classic.Level.WARN);
    int streams = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int services = args.length > 1 ? Integer.parseInt(args[1]) : 100;
    int perService = args.length > 2 ? Integer.parseInt(args[2]) : 100;
    Map<String, List<Row>> results = new LinkedHashMap<>();
    Map<String, Double> perStreamKb = new LinkedHashMap<>();
    Map<String, Double> claRatio = new LinkedHashMap<>();
    for (String mode : System.getProperty("modes", "simple,incremental").split(",")) {
      results.put(mode, run(mode, streams, services, perService, perStreamKb, claRatio));
    }
    print(streams, services, perService, results, perStreamKb, claRatio);
  }

  /** The synthetic fleet and weights, as the changes so far left them. */
  static final class Synthetic {
    final int services;
    final int perService;
    int extra;
    final Set<Integer> removedPorts = new HashSet<>();
    Locality unhealthyZone; // of svc-1
    final Map<String, Map<String, Double>> factors = new TreeMap<>();

    Synthetic(int services, int perService) {
      this.services = services;
      this.perService = perService;
    }

    Fleet fleet() {
      List<InferenceService> out = new ArrayList<>();
      for (int s = 0; s < services; s++) {
        List<Endpoint> endpoints = new ArrayList<>();
        for (int e = 0; e < perService + (s == 0 ? extra : 0); e++) {
          int port = 8000 + e;
          if (s == 0 && removedPorts.contains(port)) {
            continue;
          }
          Locality zone = ZONES.get(e % ZONES.size());
          EndpointHealth health =
              s == 1 && zone.equals(unhealthyZone)
                  ? EndpointHealth.UNHEALTHY
                  : EndpointHealth.HEALTHY;
          // never contacted: the benchmark has no scraper
          endpoints.add(new Endpoint(address(s, e), port, zone, 1, health, false));
        }
        out.add(new InferenceService("svc-" + s, List.of("model-" + s), endpoints));
      }
      return Fleet.of(out);
    }

    private static String address(int service, int endpoint) {
      return "10." + (service / 250) + "." + (service % 250) + "." + (1 + endpoint % 250);
    }

    private static String id(int service, int endpoint) {
      return new Endpoint(
              address(service, endpoint),
              8000 + endpoint,
              ZONES.get(0),
              1,
              EndpointHealth.HEALTHY,
              false)
          .id();
    }

    void weight(String service, int endpoint, double factor) {
      factors
          .computeIfAbsent(service, k -> new TreeMap<>())
          .put(id(Integer.parseInt(service.substring(4)), endpoint), factor);
    }

    void refresh(String service, int round) {
      for (int e = 0; e < perService; e++) {
        weight(service, e, 0.5 + ((e + round) % 7) / 5.0);
      }
    }

    WeightTable weights() {
      Map<String, Map<String, Double>> copy = new TreeMap<>();
      factors.forEach((k, v) -> copy.put(k, new TreeMap<>(v)));
      return new WeightTable(copy);
    }
  }

  /**
   * The reconciler's publication step ({@link Snapshots}) feeding either llm-xds's cache or
   * java-control-plane's SimpleCache, which the benchmark builds itself for the comparison.
   */
  static final class BenchPublisher {
    private final Snapshots snapshots;
    private final XdsCache incremental;
    private final SimpleCache<NodeGroupKey> simple;
    private final Set<NodeGroupKey> groups = new HashSet<>();
    private Map<NodeGroupKey, VersionedResources> published = Map.of();
    private Fleet fleet = Fleet.EMPTY;
    private WeightTable weights = WeightTable.EMPTY;

    BenchPublisher(LlmXdsConfig config, boolean useSimple) {
      this.snapshots = new Snapshots(new XdsProjection(config));
      this.incremental = useSimple ? null : new XdsCache();
      this.simple = useSimple ? new SimpleCache<>(NodeGroupKey::of) : null;
    }

    io.envoyproxy.controlplane.cache.ConfigWatcher watcher() {
      return incremental != null ? incremental : simple;
    }

    io.envoyproxy.controlplane.server.serializer.ProtoResourcesSerializer serializer() {
      return incremental != null ? incremental.serializer() : new DefaultProtoResourcesSerializer();
    }

    void streamClosed(long stream) {
      if (incremental != null) {
        incremental.forget(stream);
      }
    }

    synchronized void publish(Fleet newFleet, WeightTable newWeights) {
      fleet = newFleet;
      weights = newWeights;
      Snapshots.Step step = snapshots.next(fleet, weights, groups, published);
      published = step.published();
      step.changed().forEach(this::set);
    }

    synchronized void ensureGroup(NodeGroupKey group) {
      groups.add(group);
      publish(fleet, weights);
    }

    java.util.Optional<VersionedResources> published(NodeGroupKey group) {
      synchronized (this) {
        return java.util.Optional.ofNullable(published.get(group));
      }
    }

    private void set(NodeGroupKey group, VersionedResources v) {
      if (incremental != null) {
        incremental.set(group, v);
      } else {
        var r = v.resources();
        simple.setSnapshot(
            group,
            Snapshot.create(
                r.clusters(),
                v.clustersVersion(),
                r.loadAssignments(),
                v.endpointsVersion(),
                r.listeners(),
                v.listenersVersion(),
                r.routes(),
                v.routesVersion(),
                List.of(),
                ""));
      }
    }
  }

  static List<Row> run(
      String mode,
      int n,
      int services,
      int perService,
      Map<String, Double> perStreamKb,
      Map<String, Double> claRatio)
      throws Exception {
    LlmXdsConfig config = ConfigLoader.parse("xds: {host: 127.0.0.1, port: 0}", null);
    BenchPublisher publisher = new BenchPublisher(config, mode.equals("simple"));
    NodeGroups groups =
        new NodeGroups(
            config.xds().groupIdleTimeout(), config.xds().maxNodeGroups(), System::nanoTime);
    StreamTracker tracker = new StreamTracker(groups, publisher::streamClosed, Clock.systemUTC());
    XdsServer server =
        new XdsServer(
                config.xds(),
                publisher.watcher(),
                publisher.serializer(),
                groups,
                tracker,
                List.of())
            .start();
    publisher.publish(new Synthetic(services, perService).fleet(), WeightTable.EMPTY);
    for (Locality z : ZONES) {
      publisher.ensureGroup(new NodeGroupKey(ClientKind.SIDECAR, z));
    }
    long heapIdle = heapAfterGc();

    java.util.concurrent.ThreadFactory loopThreads = r -> new Thread(r, "bench-client-loop");
    NioEventLoopGroup clientLoop = new NioEventLoopGroup(2, loopThreads);
    List<ManagedChannel> channels = new ArrayList<>();
    for (int c = 0; c < Math.max(1, n / 100); c++) {
      channels.add(
          NettyChannelBuilder.forAddress("127.0.0.1", server.port())
              .usePlaintext()
              .eventLoopGroup(clientLoop)
              .channelType(NioSocketChannel.class)
              .directExecutor()
              .maxInboundMessageSize(256 << 20)
              .build());
    }
    AtomicLong responses = new AtomicLong();
    AtomicLong bytes = new AtomicLong();
    List<Stream> all = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Stream s = new Stream(i, ZONES.get(i % ZONES.size()), responses, bytes);
      all.add(s);
      s.open(AggregatedDiscoveryServiceGrpc.newStub(channels.get(i % channels.size())));
    }
    Await.until(
        Duration.ofMinutes(5),
        POLL,
        () -> converged(all, publisher, services),
        () -> "initial convergence");
    perStreamKb.put(mode, (heapAfterGc() - heapIdle) / 1024.0 / n);

    Synthetic state = new Synthetic(services, perService);
    // unmeasured weight changes first: the JIT warms up on both paths alike
    for (int w = 0; w < Integer.getInteger("warmups", 40); w++) {
      state.weight("svc-1", 0, 0.5 + (w % 2) * 0.5);
      change(publisher, all, state, responses, bytes, services, "warm-up");
    }

    List<Row> rows = new ArrayList<>();
    int repeats = Integer.getInteger("repeats", 5);
    List<Map.Entry<String, IntConsumer>> kinds =
        List.of(
            Map.entry("one endpoint's weight", k -> state.weight("svc-0", 0, 1.5 - (k % 2) * 0.8)),
            Map.entry("one endpoint added", k -> state.extra++),
            Map.entry("one endpoint removed", k -> state.removedPorts.add(8003 + k)),
            Map.entry(
                "one zone's health flipped (one service)",
                k -> state.unhealthyZone = state.unhealthyZone == null ? ZONES.get(0) : null),
            Map.entry("full weight refresh of one service", k -> state.refresh("svc-2", k)));
    for (var kind : kinds) {
      List<Measured> runs = new ArrayList<>();
      for (int k = 0; k < repeats; k++) {
        kind.getValue().accept(k);
        runs.add(change(publisher, all, state, responses, bytes, services, kind.getKey()));
      }
      rows.add(Measured.row(kind.getKey(), runs, heapAfterGc() >> 20));
      if (rows.size() == 1) {
        // bytes of a one-endpoint change against the floor: its assignment once per stream
        long floor = 0;
        for (Stream st : all) {
          floor +=
              publisher.published(st.group).orElseThrow().resources().loadAssignments().stream()
                  .filter(a -> a.getClusterName().equals("svc-0"))
                  .findFirst()
                  .orElseThrow()
                  .getSerializedSize();
        }
        claRatio.put(mode, rows.get(0).bytes() / (double) floor);
      }
    }

    // every stream reconnects at once
    all.forEach(Stream::close);
    Await.until(
        Duration.ofMinutes(1), POLL, () -> tracker.nodes().isEmpty(), () -> "streams closed");
    List<Stream> again = new ArrayList<>();
    long r0 = responses.get();
    long b0 = bytes.get();
    long cpu0 = serverCpu();
    long t0 = System.nanoTime();
    for (int i = 0; i < n; i++) {
      Stream s = new Stream(i, ZONES.get(i % ZONES.size()), responses, bytes);
      again.add(s);
      s.open(AggregatedDiscoveryServiceGrpc.newStub(channels.get(i % channels.size())));
    }
    Await.until(
        Duration.ofMinutes(5),
        POLL,
        () -> converged(again, publisher, services),
        () -> "reconvergence");
    double[] lat =
        again.stream()
            .mapToDouble(s -> (s.ackedAt(Resources.V3.ENDPOINT_TYPE_URL) - t0) / 1e6)
            .sorted()
            .toArray();
    rows.add(
        new Row(
            "all streams reconnect at once",
            pct(lat, 50),
            pct(lat, 99),
            lat[lat.length - 1],
            Double.NaN,
            responses.get() - r0,
            bytes.get() - b0,
            (serverCpu() - cpu0) / 1e9,
            heapAfterGc() >> 20));

    again.forEach(Stream::close);
    channels.forEach(ManagedChannel::shutdownNow);
    server.close();
    clientLoop.shutdownGracefully();
    return rows;
  }

  private static boolean converged(List<Stream> streams, BenchPublisher publisher, int services) {
    for (Stream s : streams) {
      var p = publisher.published(s.group).orElse(null);
      if (p == null
          || s.clustersSeen < services
          || !p.endpointsVersion().equals(s.version(Resources.V3.ENDPOINT_TYPE_URL))
          || !p.routesVersion().equals(s.version(Resources.V3.ROUTE_TYPE_URL))) {
        return false;
      }
    }
    return true;
  }

  /** One change, measured until every stream ACKed it. */
  record Measured(double[] latenciesMs, double publishMs, long responses, long bytes, long cpuNs) {
    /** Pools the streams' latencies of every repetition; counts are per change (mean). */
    static Row row(String change, List<Measured> runs, long heapMb) {
      double[] all =
          runs.stream().flatMapToDouble(m -> Arrays.stream(m.latenciesMs())).sorted().toArray();
      double[] publish = runs.stream().mapToDouble(Measured::publishMs).sorted().toArray();
      return new Row(
          change,
          pct(all, 50),
          pct(all, 99),
          all[all.length - 1],
          pct(publish, 50),
          Math.round(runs.stream().mapToLong(Measured::responses).average().orElse(0)),
          Math.round(runs.stream().mapToLong(Measured::bytes).average().orElse(0)),
          runs.stream().mapToLong(Measured::cpuNs).average().orElse(0) / 1e9,
          heapMb);
    }
  }

  private static Measured change(
      BenchPublisher publisher,
      List<Stream> streams,
      Synthetic state,
      AtomicLong responses,
      AtomicLong bytes,
      int services,
      String what) {
    Fleet fleet = state.fleet();
    WeightTable weights = state.weights();
    long r0 = responses.get();
    long b0 = bytes.get();
    long cpu0 = serverCpu();
    long t0 = System.nanoTime();
    publisher.publish(fleet, weights);
    double publishMs = (System.nanoTime() - t0) / 1e6;
    Await.until(
        Duration.ofMinutes(5), POLL, () -> converged(streams, publisher, services), () -> what);
    double[] lat =
        streams.stream()
            .mapToDouble(s -> Math.max(0, s.ackedAt(Resources.V3.ENDPOINT_TYPE_URL) - t0) / 1e6)
            .toArray();
    LockSupport.parkNanos(
        Duration.ofMillis(200).toNanos()); // let stray responses land before counting
    return new Measured(lat, publishMs, responses.get() - r0, bytes.get() - b0, serverCpu() - cpu0);
  }

  /** CPU of every thread but the benchmark's clients. */
  private static long serverCpu() {
    long clients = 0;
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("bench-client")) {
        clients += Math.max(0, THREADS.getThreadCpuTime(t.getId()));
      }
    }
    return OS.getProcessCpuTime() - clients;
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  private static double pct(double[] sorted, double p) {
    int rank = (int) Math.ceil(p / 100 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static void print(
      int n,
      int services,
      int perService,
      Map<String, List<Row>> results,
      Map<String, Double> perStreamKb,
      Map<String, Double> claRatio) {
    System.out.printf(
        Locale.ROOT,
        "%nPush benchmark: %d ADS streams, %d services x %d endpoints, 3 zones in 2 regions, JDK %s, %d cores%n%n",
        n,
        services,
        perService,
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors());
    System.out.println(
        "| change | cache | ACKed by all: p50 / p99 / max | publish | responses | bytes sent | server CPU s | heap after GC |");
    System.out.println("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    Map<String, String> labels = Map.of("simple", "SimpleCache", "incremental", "llm-xds");
    int rows = results.values().iterator().next().size();
    for (int i = 0; i < rows; i++) {
      for (var e : results.entrySet()) {
        Row r = e.getValue().get(i);
        System.out.printf(
            Locale.ROOT,
            "| %s | %s | %.0f / %.0f / %.0f ms | %s | %d | %.1f MB | %.2f | %d MB |%n",
            r.change(),
            labels.get(e.getKey()),
            r.p50(),
            r.p99(),
            r.max(),
            Double.isNaN(r.publishMs()) ? "" : String.format(Locale.ROOT, "%.1f ms", r.publishMs()),
            r.responses(),
            r.bytes() / 1e6,
            r.serverCpu(),
            r.heapMb());
      }
      if (results.containsKey("simple") && results.containsKey("incremental")) {
        Row s = results.get("simple").get(i);
        Row x = results.get("incremental").get(i);
        System.out.printf(
            Locale.ROOT,
            "| %s | ratio SimpleCache / llm-xds | %.1fx p99 | | %.1fx | %.1fx | %.1fx | |%n",
            s.change(),
            s.p99() / Math.max(0.001, x.p99()),
            (double) s.responses() / Math.max(1, x.responses()),
            (double) s.bytes() / Math.max(1, x.bytes()),
            s.serverCpu() / Math.max(1e-6, x.serverCpu()));
      }
    }
    claRatio.forEach(
        (mode, r) ->
            System.out.printf(
                Locale.ROOT,
                "%nbytes of a one-endpoint change / (its ClusterLoadAssignment x %d streams) (%s): %.2fx",
                n,
                mode,
                r));
    System.out.println();
    perStreamKb.forEach(
        (mode, kb) ->
            System.out.printf(Locale.ROOT, "%nheap per connected stream (%s): %.1f KB", mode, kb));
    System.out.println();
  }
}
