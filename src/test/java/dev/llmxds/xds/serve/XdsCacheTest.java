package dev.llmxds.xds.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import com.google.rpc.Status;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.resource.XdsResources;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The incremental cache, without sockets: who gets what, and when. */
class XdsCacheTest {
  private static final Node ZONE_A =
      Node.newBuilder()
          .setId("envoy")
          .setUserAgentName("envoy")
          .setLocality(
              io.envoyproxy.envoy.config.core.v3.Locality.newBuilder().setRegion("r").setZone("a"))
          .build();
  private static final NodeGroupKey GROUP = NodeGroupKey.of(ZONE_A);

  private final XdsCache cache = new XdsCache();
  private VersionedResources last;

  private static ClusterLoadAssignment cla(String name, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(name)
        .addEndpoints(
            io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint.newBuilder()
                        .setEndpoint(
                            io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                                .setAddress(
                                    io.envoyproxy.envoy.config.core.v3.Address.newBuilder()
                                        .setSocketAddress(
                                            io.envoyproxy.envoy.config.core.v3.SocketAddress
                                                .newBuilder()
                                                .setAddress("10.0.0.1")
                                                .setPortValue(port))))))
        .build();
  }

  private void publish(List<Cluster> clusters, List<ClusterLoadAssignment> clas) {
    last = VersionedResources.next(last, new XdsResources(clusters, clas, List.of(), List.of()));
    cache.set(GROUP, last);
  }

  private static List<Cluster> clusters(String... names) {
    List<Cluster> out = new ArrayList<>();
    for (String n : names) {
      out.add(Cluster.newBuilder().setName(n).build());
    }
    return out;
  }

  /** Opens a watch on {@code stream} and collects what it is sent. */
  private List<Response> watch(
      long stream, String type, String version, boolean clusterChanged, String... names) {
    List<Response> got = new ArrayList<>();
    RequestContext.set(new RequestContext(ZONE_A, null, stream));
    RequestContext.take();
    cache.createWatch(
        true,
        XdsRequest.create(
            DiscoveryRequest.newBuilder()
                .setNode(ZONE_A)
                .setTypeUrl(type)
                .setVersionInfo(version)
                .addAllResourceNames(List.of(names))
                .build()),
        Set.of(),
        got::add,
        clusterChanged,
        false);
    return got;
  }

  private static List<String> names(List<Response> responses) {
    List<String> out = new ArrayList<>();
    for (Response r : responses) {
      for (Message m : r.resources()) {
        out.add(Resources.getResourceName(m));
      }
    }
    return out;
  }

  private static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;

  @Test
  void aChangedAssignmentGoesOnlyToTheStreamsWatchingIt() {
    publish(clusters("a", "b"), List.of(cla("a", 1), cla("b", 1)));
    assertEquals(List.of("a", "b"), names(watch(1, EDS, "", false, "a", "b")));
    assertEquals(List.of("a", "b"), names(watch(2, EDS, "", false, "a", "b")));
    assertEquals(List.of("b"), names(watch(3, EDS, "", false, "b")));

    List<Response> s1 = watch(1, EDS, last.endpointsVersion(), false, "a", "b");
    List<Response> s2 = watch(2, EDS, last.endpointsVersion(), false, "a", "b");
    List<Response> s3 = watch(3, EDS, last.endpointsVersion(), false, "b");
    assertTrue(s1.isEmpty() && s2.isEmpty() && s3.isEmpty(), "up to date: watches stay open");

    publish(clusters("a", "b"), List.of(cla("a", 2), cla("b", 1)));
    assertEquals(List.of("a"), names(s1), "only the changed assignment");
    assertEquals(List.of("a"), names(s2));
    assertTrue(s3.isEmpty(), "a stream not watching it hears nothing");
    assertEquals(last.endpointsVersion(), s1.get(0).version());
  }

  @Test
  void clustersGoOutAsTheFullSetOnlyWhenTheSetChanged() {
    publish(clusters("a", "b"), List.of(cla("a", 1), cla("b", 1)));
    assertEquals(List.of("a", "b"), names(watch(1, CDS, "", false)));
    List<Response> open = watch(1, CDS, last.clustersVersion(), false);
    publish(clusters("a", "b"), List.of(cla("a", 9), cla("b", 1)));
    assertTrue(open.isEmpty(), "an endpoint change sends no clusters");
    publish(clusters("a"), List.of(cla("a", 9)));
    assertEquals(List.of("a"), names(open), "the new full set (b removed)");
  }

  @Test
  void afterAClusterUpdateEveryWatchedAssignmentIsSentAgainForWarming() {
    publish(clusters("a", "b"), List.of(cla("a", 1), cla("b", 1)));
    watch(1, EDS, "", false, "a", "b");
    assertEquals(List.of("a", "b"), names(watch(1, EDS, last.endpointsVersion(), true, "a", "b")));
  }

  @Test
  void aReconnectingStreamGetsEverythingAndAFreshServerToo() {
    publish(clusters("a", "b"), List.of(cla("a", 1), cla("b", 1)));
    watch(1, EDS, "", false, "a", "b");
    cache.forget(1);
    assertEquals(
        List.of("a", "b"),
        names(watch(7, EDS, last.endpointsVersion(), false, "a", "b")),
        "new stream, same version");

    XdsCache restarted = new XdsCache();
    VersionedResources fresh =
        VersionedResources.of(
            new XdsResources(
                clusters("a", "b"), List.of(cla("a", 1), cla("b", 1)), List.of(), List.of()));
    assertEquals(
        last.endpointsVersion(),
        fresh.endpointsVersion(),
        "versions name content: the same on a restarted server");
    restarted.set(GROUP, fresh);
    List<Response> got = new ArrayList<>();
    RequestContext.set(new RequestContext(ZONE_A, null, 1));
    RequestContext.take();
    restarted.createWatch(
        true,
        XdsRequest.create(
            DiscoveryRequest.newBuilder()
                .setNode(ZONE_A)
                .setTypeUrl(EDS)
                .setVersionInfo(last.endpointsVersion())
                .addResourceNames("a")
                .addResourceNames("b")
                .build()),
        Set.of(),
        got::add,
        false,
        false);
    assertEquals(
        List.of("a", "b"), names(got), "a new stream is sent everything, whatever it holds");
  }

  @Test
  void aNackedAssignmentIsNotSentAgainUntilItChanges() {
    publish(clusters("a"), List.of(cla("a", 1)));
    watch(1, EDS, "", false, "a");
    NackGuard guard = new NackGuard(cache);
    List<Response> afterNack = new ArrayList<>();
    RequestContext.set(new RequestContext(ZONE_A, last.endpointsVersion(), 1));
    guard.createWatch(
        true,
        XdsRequest.create(
            DiscoveryRequest.newBuilder()
                .setNode(ZONE_A)
                .setTypeUrl(EDS)
                .setVersionInfo("")
                .addResourceNames("a")
                .setErrorDetail(Status.newBuilder().setMessage("rejected"))
                .build()),
        Set.of(),
        afterNack::add,
        false,
        false);
    assertTrue(afterNack.isEmpty(), "no re-send of the rejected version");
    publish(clusters("a"), List.of(cla("a", 2)));
    assertEquals(List.of("a"), names(afterNack), "the next version arrives");
  }

  @Test
  void aStreamThatFellBehindGetsEveryChangeItMissedAndNothingElse() {
    publish(clusters("a", "b", "c"), List.of(cla("a", 1), cla("b", 1), cla("c", 1)));
    watch(1, EDS, "", false, "a", "b", "c");
    List<Response> open = watch(1, EDS, last.endpointsVersion(), false, "a", "b", "c");
    publish(clusters("a", "b", "c"), List.of(cla("a", 2), cla("b", 1), cla("c", 1)));
    assertEquals(List.of("a"), names(open));
    // the stream has not ACKed yet (no watch open) while b changes
    publish(clusters("a", "b", "c"), List.of(cla("a", 2), cla("b", 2), cla("c", 1)));
    publish(clusters("a", "b", "c"), List.of(cla("a", 2), cla("b", 2), cla("c", 2)));
    assertEquals(
        List.of("b", "c"),
        names(watch(1, EDS, last.endpointsVersion(), false, "a", "b", "c")),
        "two publications behind: both missed changes, not a again");
  }

  @Test
  void aNewlyWatchedNameIsSentAloneAndAMissingOneWhenItAppears() {
    publish(clusters("a", "b"), List.of(cla("a", 1), cla("b", 1)));
    watch(1, EDS, "", false, "a");
    assertEquals(
        List.of("b"),
        names(watch(1, EDS, last.endpointsVersion(), false, "a", "b")),
        "subscribing to b as well: only b");
    List<Response> open = watch(1, EDS, last.endpointsVersion(), false, "a", "b", "z");
    assertTrue(open.isEmpty(), "z does not exist yet");
    publish(clusters("a", "b", "z"), List.of(cla("a", 1), cla("b", 1), cla("z", 1)));
    assertEquals(List.of("z"), names(open), "z appears: it goes to the stream waiting for it");
  }

  @Test
  void manyChangesAtOnceStillReachExactlyTheStreamsWatchingThem() {
    List<String> all = new ArrayList<>();
    List<ClusterLoadAssignment> v1 = new ArrayList<>();
    List<ClusterLoadAssignment> v2 = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add("s" + i);
      v1.add(cla("s" + i, 1));
      v2.add(cla("s" + i, i % 2 == 0 ? 2 : 1)); // 20 of 40 change
    }
    List<Cluster> cs = clusters(all.toArray(String[]::new));
    publish(cs, v1);
    String[] odd = {"s1", "s3", "s5"};
    String[] mixed = {"s0", "s1", "s2", "s39"};
    watch(1, EDS, "", false, odd);
    watch(2, EDS, "", false, mixed);
    List<Response> oddOpen = watch(1, EDS, last.endpointsVersion(), false, odd);
    List<Response> mixedOpen = watch(2, EDS, last.endpointsVersion(), false, mixed);
    publish(cs, v2);
    assertTrue(oddOpen.isEmpty(), "none of its assignments changed");
    assertEquals(List.of("s0", "s2"), names(mixedOpen));
  }

  @Test
  void unchangedResourcesKeepTheirInstanceSoTheyAreSerialisedOnce() {
    publish(clusters("a", "b"), List.of(cla("a", 1), cla("b", 1)));
    Message before = watch(1, EDS, "", false, "b").get(0).resources().iterator().next();
    publish(clusters("a", "b"), List.of(cla("a", 2), cla("b", 1)));
    Message after = watch(2, EDS, "", false, "b").get(0).resources().iterator().next();
    assertSame(before, after, "b did not change: same instance");
    var serializer = cache.serializer();
    assertSame(
        serializer.serialize(before, Resources.ApiVersion.V3),
        serializer.serialize(after, Resources.ApiVersion.V3),
        "one Any shared by every stream");
  }
}
