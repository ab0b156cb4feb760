package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.llmxds.admin.v1.AdminServiceGrpc;
import dev.llmxds.admin.v1.ConfigDump;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.GetFleetRequest;
import dev.llmxds.admin.v1.Node;
import dev.llmxds.admin.v1.Nodes;
import dev.llmxds.admin.v1.WatchFleetRequest;
import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.AdsClient;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestBackend;
import dev.llmxds.testing.TestServers;
import dev.llmxds.testing.XdsClients;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every admin endpoint against a running server, with a real grpc-xds client connected. */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AdminApiTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  @TempDir Path dir;
  private final HttpClient http = HttpClient.newHttpClient();
  private final List<TestBackend> backends = new ArrayList<>();
  private LlmXds server;
  private Path fleet;
  private ManagedChannel client;
  private ManagedChannel raw;

  @BeforeEach
  void start() {
    for (String name : List.of("a1", "b1", "c1")) {
      backends.add(new TestBackend(name));
    }
    fleet = dir.resolve("fleet.yaml");
    writeFleet("healthy");
    server =
        TestServers.start(
            TestServers.config(
                fleet,
                "{host: 127.0.0.1, port: 0}",
                "admin: {host: 127.0.0.1, port: 0, grpcOnXdsPort: true}\nload: {interval: 1s}"));
    client =
        XdsClients.channel("llama", XdsClients.bootstrap(server.xdsPort(), "grpc-a", "r1", "a"));
    raw = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
  }

  private void writeFleet(String healthOfA) {
    FleetFiles.write(
        fleet,
        FleetFiles.yaml(
            "llama",
            List.of(
                Entry.of(backends.get(0).port(), "r1", "a").health(healthOfA),
                Entry.of(backends.get(1).port(), "r1", "b"),
                Entry.of(backends.get(2).port(), "r2", "c"))));
  }

  @AfterEach
  void stop() {
    client.shutdownNow();
    raw.shutdownNow();
    server.close();
    backends.forEach(TestBackend::close);
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminPort() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static <T extends com.google.protobuf.Message.Builder> T parse(String json, T builder)
      throws Exception {
    JsonFormat.parser().merge(json, builder);
    return builder;
  }

  @Test
  void healthReadinessFleetNodesMetricsAndErrors() throws Exception {
    assertEquals("a1", TestBackend.who(client));
    assertEquals(200, get("/healthz").statusCode());
    assertEquals("ready\n", get("/readyz").body());

    Fleet fleetView = parse(get("/api/fleet").body(), Fleet.newBuilder()).build();
    assertEquals(1, fleetView.getServicesCount());
    assertEquals(3, fleetView.getServices(0).getEndpointsCount());
    assertTrue(
        fleetView.getServices(0).getEndpointsList().stream()
            .allMatch(e -> e.getHealth().equals("HEALTHY")));
    assertTrue(fleetView.getDiscovery().getSource().startsWith("file:"));

    Await.until(WAIT, () -> nodes().getNodesCount() == 1, "the grpc client is listed");
    Node node = nodes().getNodes(0);
    assertEquals("grpc-a", node.getNodeId());
    assertEquals("proxyless", node.getKind());
    assertEquals("a", node.getZone());
    Await.until(
        WAIT,
        () -> !nodes().getNodes(0).getTypesOrThrow("eds").getAckedVersion().isEmpty(),
        "EDS acked");

    String metrics = get("/metrics").body();
    for (String name :
        List.of(
            "llmxds_xds_streams{kind=\"proxyless\",region=\"r1\",zone=\"a\"} 1.0",
            "llmxds_xds_pushes_total{type=\"eds\"}",
            "llmxds_xds_nacks_total 0.0",
            "llmxds_xds_node_groups ",
            "llmxds_xds_refused_groups_total 0.0",
            "llmxds_xds_refused_requests_total 0.0",
            "llmxds_publish_seconds_count",
            "llmxds_discovery_errors_total 0.0",
            "llmxds_discovery_last_success_age_seconds",
            "llmxds_scrape_errors_total",
            "llmxds_scrape_duration_seconds_count",
            "llmxds_endpoint_weight{endpoint=",
            "llmxds_service_queue_depth{service=\"llama\"}")) {
      assertTrue(metrics.contains(name), name + " in\n" + metrics);
    }

    String html = get("/").body();
    assertTrue(
        html.contains("127.0.0.1:" + backends.get(2).port()) && html.contains("grpc-a"), html);
    assertEquals(404, get("/nope").statusCode());
    assertEquals(400, get("/api/config_dump?zone=a&kind=robot").statusCode());
    HttpResponse<String> post =
        http.send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + server.adminPort() + "/api/fleet"))
                .POST(HttpRequest.BodyPublishers.noBody())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
  }

  private Nodes nodes() {
    try {
      return parse(get("/api/nodes").body(), Nodes.newBuilder()).build();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void configDumpIsExactlyWhatAClientInThatZoneReceived() throws Exception {
    assertEquals("a1", TestBackend.who(client));
    writeFleet("draining");
    Await.until(
        WAIT, () -> !TestBackend.who(client).equals("a1"), "client moved off the drained zone");
    Await.until(
        WAIT,
        () -> {
          var eds = nodes().getNodes(0).getTypesOrThrow("eds");
          return eds.getAckedVersion().equals(eds.getSentVersion())
              && eds.getAcks() == eds.getResponses();
        },
        "client ACKed everything");

    ConfigDump dump =
        parse(get("/api/config_dump?zone=a&kind=proxyless").body(), ConfigDump.newBuilder())
            .build();
    assertEquals("r1", dump.getRegion(), "region inferred from the fleet");
    Node node = nodes().getNodes(0);
    for (String type : List.of("lds", "cds", "eds")) {
      assertEquals(
          node.getTypesOrThrow(type).getAckedVersion(),
          dump.getVersionsOrThrow(type),
          type + ": the versions the client ACKed");
    }

    // and the content: what a raw ADS stream in the same group gets, resource by resource
    try (var ads = AdsClient.sotw(raw)) {
      var who =
          AdsClient.node("raw-a", "r1", "a").toBuilder().setUserAgentName("gRPC Java").build();
      assertEquals(
          dump.getListeners(0),
          AdminViews.struct(
              fetch(ads, who, Resources.V3.LISTENER_TYPE_URL, "llama")
                  .getResources(0)
                  .unpack(Listener.class)));
      assertEquals(
          dump.getClusters(0),
          AdminViews.struct(
              fetch(ads, who, Resources.V3.CLUSTER_TYPE_URL, "llama")
                  .getResources(0)
                  .unpack(Cluster.class)));
      ClusterLoadAssignment cla =
          fetch(ads, who, Resources.V3.ENDPOINT_TYPE_URL, "llama")
              .getResources(0)
              .unpack(ClusterLoadAssignment.class);
      Struct dumped = dump.getEndpoints(0);
      assertEquals(dumped, AdminViews.struct(cla));
      assertEquals(
          "a", cla.getEndpoints(0).getLocality().getZone(), "priority 0 is the client's zone");
      assertEquals("DRAINING", cla.getEndpoints(0).getLbEndpoints(0).getHealthStatus().name());
    }
  }

  private static DiscoveryResponse fetch(
      AdsClient<DiscoveryRequest, DiscoveryResponse> ads,
      io.envoyproxy.envoy.config.core.v3.Node node,
      String type,
      String name)
      throws Exception {
    ads.send(
        DiscoveryRequest.newBuilder()
            .setNode(node)
            .setTypeUrl(type)
            .addResourceNames(name)
            .build());
    return ads.next(WAIT);
  }

  @Test
  void grpcAdminServiceGetsAndWatchesTheFleet() throws Exception {
    var stub = AdminServiceGrpc.newBlockingStub(raw).withDeadlineAfter(30, TimeUnit.SECONDS);
    Fleet viaGrpc = stub.getFleet(GetFleetRequest.getDefaultInstance());
    assertEquals(3, viaGrpc.getServices(0).getEndpointsCount());

    Iterator<Fleet> watch = stub.watchFleet(WatchFleetRequest.getDefaultInstance());
    assertEquals("HEALTHY", healthOfA(watch.next()));
    writeFleet("unhealthy");
    Fleet next = watch.next();
    while (!healthOfA(next).equals("UNHEALTHY")) {
      next = watch.next(); // weight refreshes may come first
    }
    assertEquals("UNHEALTHY", healthOfA(next));
  }

  /** Health of the zone-a endpoint in a fleet view. */
  private String healthOfA(Fleet fleet) {
    return fleet.getServices(0).getEndpointsList().stream()
        .filter(e -> e.getPort() == backends.get(0).port())
        .findFirst()
        .orElseThrow()
        .getHealth();
  }
}
