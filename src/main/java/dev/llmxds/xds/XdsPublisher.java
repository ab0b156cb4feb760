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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Projects, validates, versions and publishes one snapshot per node group into java-control-plane's
 * cache. Only the reconciler calls {@link #publish}; {@link #ensureGroup} publishes the current
 * state for a group seen for the first time (a node from a new zone) before its first watch opens.
 * A group whose new resources fail validation keeps its previous snapshot.
 */
public final class XdsPublisher {
  private static final Logger log = LoggerFactory.getLogger(XdsPublisher.class);

  private final SimpleCache<NodeGroupKey> simple;
  private final XdsCache incremental;
  private final XdsProjection projection;
  private final ResourceValidator validator = new ResourceValidator();
  private final Versions versions;
  private final Map<NodeGroupKey, VersionedResources> published = new ConcurrentHashMap<>();
  private final AtomicLong rejected = new AtomicLong();
  private Fleet fleet = Fleet.EMPTY;
  private LoadFactors factors = LoadFactors.NEUTRAL;
  // resources that passed validation in the last and the current publication: equal ones skip the
  // reflective field checks (hashCode is memoised by protobuf, so a lookup is cheap)
  private Set<Message> validPrevious = new HashSet<>();
  private Set<Message> validCurrent = new HashSet<>();

  public XdsPublisher(LlmXdsConfig config, Versions versions) {
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
    memo.startPublication(newFleet);
    for (NodeGroupKey group : published.keySet()) {
      errors.addAll(publishGroup(group));
    }
    validPrevious = validCurrent;
    return errors;
  }

  private final ProjectionMemo memo = new ProjectionMemo();

  /** Makes sure {@code group} has a snapshot; cheap when it already has one. */
  public void ensureGroup(NodeGroupKey group) {
    if (published.containsKey(group)) {
      return;
    }
    synchronized (this) {
      if (!published.containsKey(group)) {
        log.info("first node in group {}: publishing its snapshot", group);
        publishGroup(group);
      }
    }
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
