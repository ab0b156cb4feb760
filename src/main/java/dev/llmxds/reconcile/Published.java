package dev.llmxds.reconcile;

import dev.llmxds.fleet.Fleet;
import dev.llmxds.weighting.WeightTable;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.VersionedResources;
import java.util.Map;

/**
 * What llm-xds publishes, as one immutable value the reconciler swaps atomically: the fleet, the
 * weights, and the resources with their versions per node group, with the running counts.
 *
 * @param fleet the fleet most recently published
 * @param weights the load factors most recently published
 * @param groups each node group's published resources
 * @param publications fleet publications so far
 * @param weightUpdates weight-only publications so far
 * @param rejected publications of a group refused by validation (the group kept its previous ones)
 * @param publishNanos time spent publishing (project, validate, version, hand to the cache), total
 * @param publishes how many publications that time covers: fleet, weights and new node groups
 */
public record Published(
    Fleet fleet,
    WeightTable weights,
    Map<NodeGroupKey, VersionedResources> groups,
    long publications,
    long weightUpdates,
    long rejected,
    long publishNanos,
    long publishes) {

  public static final Published NONE =
      new Published(Fleet.EMPTY, WeightTable.EMPTY, Map.of(), 0, 0, 0, 0, 0);

  public Published {
    groups = Map.copyOf(groups);
  }
}
