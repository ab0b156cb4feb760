package dev.llmxds.xds.projection;

import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.xds.resource.ClientKind;
import dev.llmxds.xds.resource.ClusterType;
import dev.llmxds.xds.resource.LoadAssignmentType;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.RouteType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Keeps projected resources across publications so an unchanged resource keeps its instance: its
 * equality checks are then identity checks, it is validated and serialised once, and the cache sees
 * at once that it did not change. Each resource is keyed by exactly what its projection reads:
 *
 * <ul>
 *   <li>a cluster: the client kind and the whole service ({@link ClusterType.MemoKey});
 *   <li>a proxyless API listener: the service name and its affinity (and the fixed config);
 *   <li>the sidecar route table: the services' names, models and affinities, in order;
 *   <li>an assignment: the service, its load factors and the node group.
 * </ul>
 *
 * Entries of services that left the fleet are dropped at the next publication. Not thread-safe: the
 * publisher calls it under its lock.
 */
public final class ProjectionMemo implements XdsProjection.Memo {
  private record Assignment(LoadAssignmentType.MemoKey key, ClusterLoadAssignment assignment) {}

  private record Projected(ClusterType.MemoKey key, Cluster cluster) {}

  private Map<NodeGroupKey, Map<String, Assignment>> assignments = new HashMap<>();
  private final Map<ClientKind, Map<String, Projected>> clusters =
      new java.util.EnumMap<>(ClientKind.class);

  /**
   * This publication's services (by identity) → the instance equal services are represented by: the
   * first one seen, so memo entries compare by identity.
   */
  private Map<InferenceService, InferenceService> canonical = new IdentityHashMap<>();

  private record ApiListener(Affinity affinity, Listener listener) {}

  private Map<String, ApiListener> apiListeners = new HashMap<>();
  private List<RouteType.Catalog> routesKey;
  private RouteConfiguration routes;
  private Listener sidecarListener;
  private final Map<String, Object> noFactors = Map.of();

  /**
   * Starts a publication of {@code fleet}: drops what belongs to services no longer in it, and
   * compares each service with its previous version once, so the node groups compare by identity.
   */
  public void startPublication(Fleet fleet) {
    clusters.values().forEach(m -> m.keySet().retainAll(fleet.services().keySet()));
    apiListeners.keySet().retainAll(fleet.services().keySet());
    assignments.values().forEach(m -> m.keySet().retainAll(fleet.services().keySet()));
    Map<InferenceService, InferenceService> next = new IdentityHashMap<>();
    Map<String, InferenceService> previous = new HashMap<>();
    canonical.values().forEach(s -> previous.put(s.name(), s));
    for (InferenceService s : fleet.services().values()) {
      InferenceService before = previous.get(s.name());
      next.put(s, before != null && before.equals(s) ? before : s);
    }
    canonical = next;
  }

  /** Forgets what was kept for {@code group} alone (its assignments): the group was dropped. */
  public void forget(NodeGroupKey group) {
    assignments.remove(group);
  }

  /** How many node groups have assignments kept. */
  public int groupCount() {
    return assignments.size();
  }

  @Override
  public ClusterLoadAssignment assignment(
      InferenceService service,
      Object serviceFactors,
      NodeGroupKey group,
      Supplier<ClusterLoadAssignment> project) {
    Map<String, Assignment> ofGroup = assignments.computeIfAbsent(group, g -> new HashMap<>());
    Assignment m = ofGroup.get(service.name());
    LoadAssignmentType.MemoKey key =
        LoadAssignmentType.memoKey(
            canonical.getOrDefault(service, service),
            serviceFactors == null ? noFactors : serviceFactors);
    if (m != null
        && sameKey(m.key().service(), key.service())
        && Objects.equals(m.key().factors(), key.factors())) {
      return m.assignment();
    }
    ClusterLoadAssignment assignment = project.get();
    ofGroup.put(service.name(), new Assignment(key, assignment));
    return assignment;
  }

  /** Services compare by identity first: equal ones share the canonical instance. */
  private static boolean sameKey(InferenceService kept, InferenceService now) {
    return kept == now || kept.equals(now);
  }

  @Override
  public Cluster cluster(ClientKind kind, InferenceService service, Supplier<Cluster> project) {
    Map<String, Projected> ofKind = clusters.computeIfAbsent(kind, k -> new HashMap<>());
    ClusterType.MemoKey key = ClusterType.memoKey(kind, canonical.getOrDefault(service, service));
    Projected m = ofKind.get(service.name());
    if (m != null && sameKey(m.key().service(), key.service())) {
      return m.cluster();
    }
    Cluster cluster = project.get();
    // an unchanged Cluster keeps its instance (identity equality downstream) even when another
    // field of its service changed
    Cluster kept = m != null && m.cluster().equals(cluster) ? m.cluster() : cluster;
    ofKind.put(service.name(), new Projected(key, kept));
    return kept;
  }

  @Override
  public Listener apiListener(String service, Affinity affinity, Supplier<Listener> project) {
    ApiListener kept = apiListeners.get(service);
    if (kept != null && kept.affinity().equals(affinity)) {
      return kept.listener();
    }
    Listener listener = project.get();
    apiListeners.put(service, new ApiListener(affinity, listener));
    return listener;
  }

  @Override
  public Listener sidecarListener(Supplier<Listener> project) {
    if (sidecarListener == null) {
      sidecarListener = project.get();
    }
    return sidecarListener;
  }

  @Override
  public RouteConfiguration sidecarRoutes(
      Fleet fleet,
      java.util.function.Function<InferenceService, Affinity> affinity,
      Supplier<RouteConfiguration> project) {
    List<RouteType.Catalog> key = RouteType.memoKey(fleet, affinity);
    if (!key.equals(routesKey)) {
      routes = project.get();
      routesKey = key;
    }
    return routes;
  }
}
