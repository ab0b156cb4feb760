package dev.llmxds.xds.serve;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.protobuf.Any;
import com.google.protobuf.Message;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.ResourceTypes;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.resource.XdsResourceType;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.Resources.ResourceType;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.WatchCancelledException;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.serializer.ProtoResourcesSerializer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * llm-xds's own state-of-the-world cache, on java-control-plane's {@link ConfigWatcher}. Per node
 * group and type it keeps each resource with the version it last changed at; per stream and type
 * only the version it has everything up to, and the names it asked for (no copy of the fleet). So:
 *
 * <ul>
 *   <li>ClusterLoadAssignments and RouteConfigurations go out one by one: a stream gets exactly the
 *       ones it watches that changed since it was last sent them (all of them after a Cluster
 *       update, which Envoy needs to finish warming);
 *   <li>Listeners and Clusters go out as the full set, when the set changed;
 *   <li>each resource instance is packed into an {@code Any} once ({@link #serializer()}) and
 *       shared by every stream; unchanged resources keep their instance across publications;
 *   <li>a new stream (a reconnect, a restarted server) starts from nothing and gets everything.
 * </ul>
 *
 * Delta xDS is served by java-control-plane's SimpleCache, fed the same resource instances: it
 * already sends only what changed.
 */
public final class XdsCache implements ConfigWatcher {
  private static final List<ResourceType> TYPES =
      ResourceTypes.ALL.stream().map(XdsResourceType::cacheType).toList();

  private static final Set<ResourceType> WILDCARD =
      ResourceTypes.ALL.stream()
          .filter(XdsResourceType::wildcard)
          .map(XdsResourceType::cacheType)
          .collect(java.util.stream.Collectors.toSet());

  /** Above this many changed resources a publication checks every watched name instead. */
  private static final int FEW_CHANGES = 16;

  private record Entry(Message resource, long changedAt) {}

  private static final class TypeState {
    long version;
    String versionString = "";
    Map<String, Entry> entries = new LinkedHashMap<>();

    /** Names whose resource changed (or appeared) at {@link #version}. */
    List<String> changedNow = List.of();

    final Set<SotwWatch> watches = new LinkedHashSet<>();
  }

  /** An open watch; identity equality, so removing one is O(1). */
  private static final class SotwWatch {
    final Watch watch;
    final long stream;

    SotwWatch(Watch watch, long stream) {
      this.watch = watch;
      this.stream = stream;
    }
  }

  /**
   * The names a stream last asked for, of a named type, and the type version up to which it has
   * been sent every one of them that exists.
   */
  private record Coverage(List<String> names, long version) {
    boolean covers(List<String> requested) {
      return names == requested || names.equals(requested);
    }
  }

  private static final class Group {
    final Map<ResourceType, TypeState> types = new EnumMap<>(ResourceType.class);

    Group() {
      for (ResourceType t : TYPES) {
        types.put(t, new TypeState());
      }
    }
  }

  /**
   * What one stream was sent: per full-set type the version, per named type its {@link Coverage}.
   */
  private static final class Delivered {
    /** Listener and Cluster: the names (empty: all) and version of the last full set sent. */
    final Map<ResourceType, Coverage> fullSet = new EnumMap<>(ResourceType.class);

    final Map<ResourceType, Coverage> covered = new EnumMap<>(ResourceType.class);
  }

  private final Map<NodeGroupKey, Group> groups = new ConcurrentHashMap<>();
  private final Map<Long, Delivered> streams = new ConcurrentHashMap<>();
  private final SimpleCache<NodeGroupKey> delta = new SimpleCache<>(NodeGroupKey::of);
  private final Cache<Message, Any> packed = CacheBuilder.newBuilder().weakKeys().build();

  /** Serialises each resource instance once; every stream shares the bytes. */
  public ProtoResourcesSerializer serializer() {
    return new ProtoResourcesSerializer() {
      @Override
      public Any serialize(Message resource, Resources.ApiVersion apiVersion) {
        Any any = packed.getIfPresent(resource);
        if (any == null) {
          any = Any.pack(resource);
          packed.put(resource, any);
        }
        return any;
      }
    };
  }

  /** Publishes {@code resources} to {@code group}; streams hear only what changed for them. */
  public void set(NodeGroupKey key, VersionedResources resources) {
    Group g = groups.computeIfAbsent(key, k -> new Group());
    List<Runnable> responses = new ArrayList<>();
    synchronized (g) {
      EnumMap<ResourceType, Boolean> changed = new EnumMap<>(ResourceType.class);
      for (XdsResourceType<?> type : ResourceTypes.ALL) {
        changed.put(
            type.cacheType(),
            update(
                g.types.get(type.cacheType()),
                type.of(resources.resources()),
                resources.version(type)));
      }
      for (ResourceType type : TYPES) {
        if (!changed.get(type)) {
          continue; // an unchanged type cannot satisfy a waiting watch
        }
        TypeState t = g.types.get(type);
        for (Iterator<SotwWatch> it = t.watches.iterator(); it.hasNext(); ) {
          SotwWatch w = it.next();
          if (w.watch.isCancelled()) {
            it.remove();
            continue;
          }
          Delivered d = streams.get(w.stream);
          if (d == null) {
            it.remove(); // the stream closed; its watch is about to be cancelled
            continue;
          }
          Response r = select(type, t, w.watch.request(), d, false);
          if (r != null) {
            it.remove();
            responses.add(() -> respond(w.watch, r));
          }
        }
      }
      delta.setSnapshot(key, snapshot(g));
    }
    responses.forEach(Runnable::run);
  }

  /** Takes the next version of one type; false when its version string did not move. */
  private static boolean update(TypeState t, List<? extends Message> next, String versionString) {
    if (versionString.equals(t.versionString)) {
      return false;
    }
    long version = t.version + 1;
    Map<String, Entry> entries = new LinkedHashMap<>();
    List<String> changedNow = new ArrayList<>();
    for (Message m : next) {
      String name = Resources.getResourceName(m);
      Entry old = t.entries.get(name);
      if (old != null && old.resource().equals(m)) {
        entries.put(name, old);
      } else {
        entries.put(name, new Entry(m, version));
        changedNow.add(name);
      }
    }
    t.entries = entries;
    t.changedNow = changedNow;
    t.version = version;
    t.versionString = versionString;
    return true;
  }

  private io.envoyproxy.controlplane.cache.v3.Snapshot snapshot(Group g) {
    return io.envoyproxy.controlplane.cache.v3.Snapshot.create(
        resources(g, ResourceTypes.CLUSTER.cacheType()),
        g.types.get(ResourceTypes.CLUSTER.cacheType()).versionString,
        resources(g, ResourceTypes.ENDPOINT.cacheType()),
        g.types.get(ResourceTypes.ENDPOINT.cacheType()).versionString,
        resources(g, ResourceTypes.LISTENER.cacheType()),
        g.types.get(ResourceTypes.LISTENER.cacheType()).versionString,
        resources(g, ResourceTypes.ROUTE.cacheType()),
        g.types.get(ResourceTypes.ROUTE.cacheType()).versionString,
        List.of(),
        "");
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> List<T> resources(Group g, ResourceType type) {
    List<T> out = new ArrayList<>();
    g.types.get(type).entries.values().forEach(e -> out.add((T) e.resource()));
    return out;
  }

  /**
   * What {@code request} on {@code stream} should get now, or null when it is up to date. Records
   * what the stream then has.
   */
  private Response select(
      ResourceType type, TypeState t, XdsRequest request, Delivered d, boolean clusterChanged) {
    if (t.versionString.isEmpty()) {
      return null; // nothing published for this group yet
    }
    List<String> names = request.getResourceNamesList();
    List<Message> out = new ArrayList<>();
    boolean wildcard = WILDCARD.contains(type);
    if (!wildcard && names.isEmpty()) {
      // only Listener and Cluster are wildcard types: asking for no assignment or route table
      // by name asks for none (the xDS protocol, "How the client specifies what resources to
      // return"); the watch stays open until names are given, and naming them again later is
      // a new subscription
      d.covered.put(type, new Coverage(List.of(), t.version));
      return null;
    }
    if (wildcard) {
      Coverage sent = d.fullSet.get(type);
      if (sent != null && sent.version() == t.version && sent.covers(names)) {
        return null;
      }
      // a new version, or the same one for other names (grpc-js asks for every target's
      // listener on one stream: adding a name must be answered)
      d.fullSet.put(type, new Coverage(names, t.version));
      for (Entry e : t.entries.values()) {
        if (names.isEmpty() || names.contains(Resources.getResourceName(e.resource()))) {
          out.add(e.resource());
        }
      }
      return Response.create(request, out, t.versionString);
    }
    Coverage covered = clusterChanged ? null : d.covered.get(type);
    boolean sameNames = covered != null && covered.covers(names);
    if (sameNames && covered.version() == t.version) {
      if (covered.names() != names) {
        // the usual ACK: it has all of this version already; remember this request's list, so
        // the next publication compares by identity
        d.covered.put(type, new Coverage(names, t.version));
      }
      return null;
    }
    if (sameNames && covered.version() == t.version - 1 && t.changedNow.size() <= FEW_CHANGES) {
      // one publication behind: only what changed in it can be missing
      for (String name : t.changedNow) {
        if (names.contains(name)) {
          out.add(t.entries.get(name).resource());
        }
      }
    } else {
      // further behind, other names, or everything again after a cluster update
      Set<String> known =
          covered == null ? Set.of() : sameNames ? null : new HashSet<>(covered.names());
      long since = covered == null ? -1 : covered.version();
      for (String name : names) {
        Entry e = t.entries.get(name);
        boolean newlyWatched = known != null && !known.contains(name);
        if (e != null && (newlyWatched || e.changedAt() > since)) {
          out.add(e.resource());
        }
      }
    }
    d.covered.put(type, new Coverage(names, t.version));
    return out.isEmpty() ? null : Response.create(request, out, t.versionString);
  }

  private static void respond(Watch w, Response r) {
    try {
      w.respond(r);
    } catch (WatchCancelledException e) {
      // the stream went away meanwhile
    }
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    ResourceType type = request.getResourceType();
    NodeGroupKey key = NodeGroupKey.of(request.v3Request().getNode());
    long stream = RequestContext.currentStream();
    Watch watch = new Watch(ads, allowDefaultEmptyEdsUpdate, request, responseConsumer);
    Group g = groups.computeIfAbsent(key, k -> new Group());
    Response now;
    synchronized (g) {
      TypeState t = g.types.get(type);
      if (t == null) {
        return watch; // secrets: never answered
      }
      boolean clusterChanged = hasClusterChanged && type == ResourceType.ENDPOINT;
      now =
          select(
              type,
              t,
              request,
              streams.computeIfAbsent(stream, s -> new Delivered()),
              clusterChanged);
      if (now == null) {
        SotwWatch w = new SotwWatch(watch, stream);
        t.watches.add(w);
        watch.setStop(
            () -> {
              synchronized (g) {
                t.watches.remove(w);
              }
            });
      }
    }
    if (now != null) {
      respond(watch, now);
    }
    return watch;
  }

  @Override
  public DeltaWatch createDeltaWatch(
      DeltaXdsRequest request,
      String requesterVersion,
      Map<String, String> resourceVersions,
      Set<String> pendingResources,
      boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer,
      boolean hasClusterChanged) {
    return delta.createDeltaWatch(
        request,
        requesterVersion,
        resourceVersions,
        pendingResources,
        isWildcard,
        responseConsumer,
        hasClusterChanged);
  }

  /** Forgets what a closed stream was sent. */
  public void forget(long stream) {
    streams.remove(stream);
  }

  /** Drops everything kept for {@code key}: the group has no stream left. */
  public void drop(NodeGroupKey key) {
    groups.remove(key);
    delta.clearSnapshot(key);
  }

  /** Node groups with resources or watches kept. */
  public int groupCount() {
    return groups.size();
  }

  /** Streams whose deliveries are tracked. */
  public int streamCount() {
    return streams.size();
  }
}
