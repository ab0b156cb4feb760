package dev.llmxds.xds;

import com.google.protobuf.Message;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.weighting.LoadFactors;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.serializer.DefaultProtoResourcesSerializer;
import io.envoyproxy.controlplane.server.serializer.ProtoResourcesSerializer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Projects, validates, versions and publishes one snapshot per node group into java-control-plane's
 * cache. Only the reconciler calls {@link #publish}; {@link #acquire} publishes the current state
 * for a group seen for the first time (a node from a new zone) before its first watch opens. A
 * group whose new resources fail validation keeps its previous snapshot.
 *
 * <p>Groups are client input (every distinct zone makes one), so they are leased: each open stream
 * holds a {@link Lease} on its group; a group nobody has held for {@code xds.groupIdleTimeout} is
 * dropped with everything kept for it (snapshot, cache entries, memo entries), and at most {@code
 * xds.maxNodeGroups} exist at once. A dropped group that comes back is published afresh with new
 * versions: {@link Versions} only counts up, so a reconnecting client never mistakes the new
 * snapshot for the one it has.
 */
public final class XdsPublisher {
  private static final Logger log = LoggerFactory.getLogger(XdsPublisher.class);

  private final SimpleCache<NodeGroupKey> simple;
  private final XdsCache incremental;
  private final XdsProjection projection;
  private final ResourceValidator validator = new ResourceValidator();
  private final Versions versions;
  private final Map<NodeGroupKey, VersionedResources> published = new ConcurrentHashMap<>();
  private final Map<NodeGroupKey, Lease> leases = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;
  private final long idleTimeoutNanos;
  private final int maxGroups;
  private final AtomicLong refusedGroups = new AtomicLong();
  private final AtomicLong rejected = new AtomicLong();
  private Fleet fleet = Fleet.EMPTY;
  private LoadFactors factors = LoadFactors.NEUTRAL;
  // resources that passed validation in the last and the current publication: equal ones skip the
  // reflective field checks (hashCode is memoised by protobuf, so a lookup is cheap)
  private Set<Message> validPrevious = new HashSet<>();
  private Set<Message> validCurrent = new HashSet<>();

  public XdsPublisher(LlmXdsConfig config, Versions versions) {
    this(config, versions, System::nanoTime);
  }

  /** As above, with the ticker that times idle groups (tests pass a fake one). */
  public XdsPublisher(LlmXdsConfig config, Versions versions, LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
    this.idleTimeoutNanos = config.xds().groupIdleTimeout().toNanos();
    this.maxGroups = config.xds().maxNodeGroups();
    boolean useSimple = config.xds().cache().equals("simple");
    this.simple = useSimple ? new SimpleCache<>(NodeGroupKey::of) : null;
    this.incremental = useSimple ? null : new XdsCache();
    this.projection = new XdsProjection(config);
    this.versions = versions;
  }

  /** The cache the xDS server answers from. */
  public ConfigWatcher watcher() {
    return incremental != null ? incremental : simple;
  }

  /** How responses are serialised: once per resource instance with the incremental cache. */
  public ProtoResourcesSerializer serializer() {
    return incremental != null ? incremental.serializer() : new DefaultProtoResourcesSerializer();
  }

  /** A stream closed: forget what it was sent. */
  public void streamClosed(long streamId) {
    if (incremental != null) {
      incremental.forget(streamId);
    }
  }

  /** Publishes {@code newFleet} to every known group; returns the validation errors, if any. */
  public synchronized List<String> publish(Fleet newFleet, LoadFactors newFactors) {
    this.fleet = newFleet;
    this.factors = newFactors;
    List<String> errors = new ArrayList<>();
    validCurrent = new HashSet<>();
    dropIdleGroups();
    memo.startPublication(newFleet);
    for (NodeGroupKey group : leases.keySet()) {
      errors.addAll(publishGroup(group));
    }
    validPrevious = validCurrent;
    return errors;
  }

  private final ProjectionMemo memo = new ProjectionMemo();

  /**
   * Makes sure {@code group} has a snapshot without holding it: unless a stream takes a lease, it
   * is dropped after the idle timeout like any other idle group.
   */
  public void ensureGroup(NodeGroupKey group) {
    acquire(group).close();
  }

  /**
   * Takes a lease on {@code group} for one stream (or an in-process observer), publishing its
   * snapshot first when the group is new. Throws {@link GroupLimitException} when the group is new
   * and {@code xds.maxNodeGroups} groups are all held.
   */
  public Lease acquire(NodeGroupKey group) {
    Lease lease = leases.get(group);
    if (lease != null && lease.tryAcquire()) {
      return lease;
    }
    synchronized (this) {
      lease = leases.get(group);
      if (lease == null) {
        dropIdleGroups();
        if (leases.size() >= maxGroups && !evictLongestIdle()) {
          refuse(group);
        }
        log.info("first node in group {}: publishing its snapshot", group);
        lease = new Lease(group);
        leases.put(group, lease);
        publishGroup(group);
      }
      if (!lease.tryAcquire()) {
        throw new IllegalStateException("lease of " + group + " dropped under the publisher lock");
      }
      return lease;
    }
  }

  /** Counts and throws; the stream tracker logs the refusal (rate-limited). */
  private void refuse(NodeGroupKey group) {
    refusedGroups.incrementAndGet();
    throw new GroupLimitException(maxGroups);
  }

  /** Drops the group idle longest; false when every group has an open stream. */
  private boolean evictLongestIdle() {
    Lease oldest = null;
    for (Lease l : leases.values()) {
      if (l.idleSince() != Long.MIN_VALUE
          && (oldest == null || l.idleSince() - oldest.idleSince() < 0)) {
        oldest = l;
      }
    }
    if (oldest == null || !oldest.tryDrop(0, nanoTime.getAsLong())) {
      return false;
    }
    drop(oldest.group);
    return true;
  }

  /**
   * Drops every group no stream has held for the idle timeout, with all its state. Runs at each
   * publication, before a new group is admitted, and from the server's timer.
   *
   * @return how many groups were dropped
   */
  public synchronized int dropIdleGroups() {
    long now = nanoTime.getAsLong();
    int dropped = 0;
    for (Lease l : List.copyOf(leases.values())) {
      if (l.tryDrop(idleTimeoutNanos, now)) {
        drop(l.group);
        dropped++;
      }
    }
    if (dropped > 0) {
      log.info("dropped {} node group(s) idle for {} ms", dropped, idleTimeoutNanos / 1_000_000);
    }
    return dropped;
  }

  private void drop(NodeGroupKey group) {
    leases.remove(group);
    published.remove(group);
    memo.forget(group);
    if (incremental != null) {
      incremental.drop(group);
    } else {
      simple.clearSnapshot(group);
    }
  }

  /** A stream's hold on its node group; {@link #close} once, when the stream ends. */
  public final class Lease implements AutoCloseable {
    private final NodeGroupKey group;
    private int holders;
    private long idleSince;
    private boolean dropped;

    private Lease(NodeGroupKey group) {
      this.group = group;
      this.idleSince = nanoTime.getAsLong();
    }

    public NodeGroupKey group() {
      return group;
    }

    private synchronized boolean tryAcquire() {
      if (dropped) {
        return false;
      }
      holders++;
      return true;
    }

    /** When the last holder left ({@link Long#MIN_VALUE} while held). */
    private synchronized long idleSince() {
      return holders > 0 || dropped ? Long.MIN_VALUE : idleSince;
    }

    private synchronized boolean tryDrop(long idleNanos, long now) {
      if (dropped || holders > 0 || now - idleSince < idleNanos) {
        return false;
      }
      dropped = true;
      return true;
    }

    @Override
    public synchronized void close() {
      if (holders > 0 && --holders == 0) {
        idleSince = nanoTime.getAsLong();
      }
    }
  }

  /** Node groups that currently exist (held or idle within the timeout). */
  public int groupCount() {
    return leases.size();
  }

  /** Groups with state in the cache the server answers from (tests: freed with their group). */
  int cacheGroupCount() {
    return incremental != null ? incremental.groupCount() : published.size();
  }

  /** Groups with assignments kept by the projection memo. */
  synchronized int memoGroupCount() {
    return memo.groupCount();
  }

  /** Streams the cache keeps deliveries for. */
  int cacheStreamCount() {
    return incremental != null ? incremental.streamCount() : 0;
  }

  /** Streams refused because {@code xds.maxNodeGroups} groups were all held. */
  public long refusedGroups() {
    return refusedGroups.get();
  }

  private List<String> publishGroup(NodeGroupKey group) {
    XdsResources resources = projection.project(fleet, factors, group, memo);
    List<String> errors =
        validator.validate(resources, m -> validCurrent.contains(m) || validPrevious.contains(m));
    if (!errors.isEmpty()) {
      rejected.incrementAndGet();
      log.error(
          "not publishing invalid resources for group {} (keeping the previous ones): {}",
          group,
          String.join("; ", errors));
      return errors;
    }
    validCurrent.addAll(ResourceValidator.all(resources));
    VersionedResources previous = published.get(group);
    VersionedResources next = VersionedResources.next(previous, resources, versions);
    if (next.sameVersionsAs(previous)) {
      return List.of();
    }
    published.put(group, next);
    if (incremental != null) {
      incremental.set(group, next);
    } else {
      simple.setSnapshot(group, next.toSnapshot());
    }
    return List.of();
  }

  /**
   * What a node of {@code group} receives: the published snapshot, or (no such node yet) the
   * resources it would receive, projected from the current fleet without publishing.
   */
  public synchronized VersionedResources preview(NodeGroupKey group) {
    VersionedResources published = this.published.get(group);
    if (published != null) {
      return published;
    }
    return new VersionedResources(projection.project(fleet, factors, group), "", "", "", "");
  }

  /** What a group currently receives (empty before its first node connected). */
  public Optional<VersionedResources> published(NodeGroupKey group) {
    return Optional.ofNullable(published.get(group));
  }

  public Map<NodeGroupKey, VersionedResources> publishedGroups() {
    return Map.copyOf(published);
  }

  public long rejectedPublications() {
    return rejected.get();
  }
}
