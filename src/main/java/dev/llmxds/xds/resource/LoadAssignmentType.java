package dev.llmxds.xds.resource;

import dev.llmxds.fleet.InferenceService;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import java.util.TreeSet;

/**
 * ClusterLoadAssignment (EDS): one per inference service and node group, built by {@link
 * LoadAssignmentProjector}. Rules: priorities contiguous from 0 and at most {@link #MAX_PRIORITY},
 * every locality weighted and at one priority only, locality weights of a priority within uint32.
 * Memo key: the service, its load factors and the node group.
 */
public final class LoadAssignmentType extends XdsResourceType<ClusterLoadAssignment> {
  public static final int MAX_PRIORITY = 128;

  LoadAssignmentType() {
    super(
        Resources.ResourceType.ENDPOINT,
        Resources.V3.ENDPOINT_TYPE_URL,
        "eds",
        "ClusterLoadAssignment");
  }

  /** What a projected assignment depends on besides the fixed configuration. */
  public record MemoKey(InferenceService service, Object factors) {}

  public static MemoKey memoKey(InferenceService service, Object factors) {
    return new MemoKey(service, factors);
  }

  @Override
  public String name(ClusterLoadAssignment resource) {
    return resource.getClusterName();
  }

  @Override
  public List<ClusterLoadAssignment> of(XdsResources resources) {
    return resources.loadAssignments();
  }

  @Override
  public boolean wildcard() {
    return false;
  }

  @Override
  public void check(ClusterLoadAssignment cla, List<String> errors) {
    TreeSet<Integer> priorities = new TreeSet<>();
    java.util.Map<Integer, Long> weightSums = new java.util.HashMap<>();
    java.util.Map<io.envoyproxy.envoy.config.core.v3.Locality, Integer> priorityOf =
        new java.util.HashMap<>();
    for (LocalityLbEndpoints group : cla.getEndpointsList()) {
      priorities.add(group.getPriority());
      Integer other = priorityOf.putIfAbsent(group.getLocality(), group.getPriority());
      if (other != null) {
        errors.add(
            "ClusterLoadAssignment "
                + cla.getClusterName()
                + ": locality "
                + group.getLocality().getRegion()
                + "/"
                + group.getLocality().getZone()
                + "/"
                + group.getLocality().getSubZone()
                + " appears twice (priorities "
                + other
                + " and "
                + group.getPriority()
                + "; grpc-xds keeps one and drops the other)");
      }
      weightSums.merge(
          group.getPriority(),
          Integer.toUnsignedLong(group.getLoadBalancingWeight().getValue()),
          Long::sum);
      if (!group.hasLoadBalancingWeight() || group.getLoadBalancingWeight().getValue() < 1) {
        errors.add(
            "ClusterLoadAssignment "
                + cla.getClusterName()
                + ": locality "
                + group.getLocality().getRegion()
                + "/"
                + group.getLocality().getZone()
                + " has no load_balancing_weight (grpc-xds drops it)");
      }
    }
    if (!priorities.isEmpty()
        && (priorities.first() != 0 || priorities.last() != priorities.size() - 1)) {
      errors.add(
          "ClusterLoadAssignment "
              + cla.getClusterName()
              + ": priorities "
              + priorities
              + " are not contiguous from 0");
    }
    weightSums.forEach(
        (priority, sum) -> {
          if (sum > 0xFFFF_FFFFL) {
            errors.add(
                "ClusterLoadAssignment "
                    + cla.getClusterName()
                    + ": locality weights of priority "
                    + priority
                    + " sum to "
                    + sum
                    + ", over uint32 (grpc-go rejects it)");
          }
        });
    if (!priorities.isEmpty() && priorities.last() > MAX_PRIORITY) {
      errors.add(
          "ClusterLoadAssignment " + cla.getClusterName() + ": priority above " + MAX_PRIORITY);
    }
  }
}
