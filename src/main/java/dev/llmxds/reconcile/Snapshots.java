package dev.llmxds.reconcile;

import com.google.protobuf.Message;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.weighting.LoadFactors;
import dev.llmxds.xds.projection.ProjectionMemo;
import dev.llmxds.xds.projection.XdsProjection;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.ResourceValidator;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.resource.XdsResources;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The next versioned resources of some node groups: project (memoised, so unchanged resources keep
 * their instance), validate (a group whose resources fail keeps its previous ones), version by
 * content. No I/O and no threads; the reconciler calls it under its lock and hands the changed
 * groups to the cache. Not thread-safe.
 */
public final class Snapshots {
  private static final Logger log = LoggerFactory.getLogger(Snapshots.class);

  /**
   * @param published every group's resources after this step
   * @param changed the groups whose versions moved, with their new resources
   * @param rejected groups refused by validation in this step
   */
  public record Step(
      Map<NodeGroupKey, VersionedResources> published,
      Map<NodeGroupKey, VersionedResources> changed,
      int rejected) {}

  private final XdsProjection projection;
  private final ProjectionMemo memo = new ProjectionMemo();
  private final ResourceValidator validator = new ResourceValidator();
  private Fleet memoFleet;
  // resources that passed validation in the previous and the current step: equal ones skip the
  // reflective field checks (protobuf memoises hashCode, so a lookup is cheap)
  private Set<Message> validPrevious = new HashSet<>();

  public Snapshots(XdsProjection projection) {
    this.projection = projection;
  }

  /** Projects, validates and versions {@code groups} for {@code fleet} and {@code factors}. */
  public Step next(
      Fleet fleet,
      LoadFactors factors,
      Set<NodeGroupKey> groups,
      Map<NodeGroupKey, VersionedResources> before) {
    if (fleet != memoFleet) {
      memo.startPublication(fleet);
      memoFleet = fleet;
    }
    Set<Message> validCurrent = new HashSet<>();
    Map<NodeGroupKey, VersionedResources> published = new HashMap<>(before);
    Map<NodeGroupKey, VersionedResources> changed = new HashMap<>();
    int rejected = 0;
    for (NodeGroupKey group : groups) {
      XdsResources resources = projection.project(fleet, factors, group, memo);
      List<String> errors =
          validator.validate(resources, m -> validCurrent.contains(m) || validPrevious.contains(m));
      if (!errors.isEmpty()) {
        rejected++;
        log.error(
            "not publishing invalid resources for group {} (keeping the previous ones): {}",
            group,
            String.join("; ", errors));
        continue;
      }
      validCurrent.addAll(ResourceValidator.all(resources));
      VersionedResources previous = before.get(group);
      VersionedResources versioned = VersionedResources.next(previous, resources);
      if (!versioned.sameVersionsAs(previous)) {
        published.put(group, versioned);
        changed.put(group, versioned);
      }
    }
    validPrevious = validCurrent;
    return new Step(published, changed, rejected);
  }

  /** Forgets what the memo keeps for {@code group} alone: the group was dropped. */
  public void forget(NodeGroupKey group) {
    memo.forget(group);
  }

  /** Node groups whose assignments the memo keeps. */
  public int memoGroupCount() {
    return memo.groupCount();
  }
}
