package dev.llmxds.xds;

import io.envoyproxy.controlplane.cache.v3.Snapshot;
import java.util.List;

/**
 * One node group's published resources with a version per type. A type's version changes only when
 * that type's resources change.
 */
public record VersionedResources(
    XdsResources resources,
    String clustersVersion,
    String endpointsVersion,
    String listenersVersion,
    String routesVersion) {

  /** The next versions for {@code next}: unchanged types keep their version. */
  static VersionedResources next(
      VersionedResources previous, XdsResources next, Versions versions) {
    if (previous == null) {
      String v = versions.next();
      return new VersionedResources(next, v, v, v, v);
    }
    XdsResources old = previous.resources();
    return new VersionedResources(
        next,
        pick(old.clusters(), next.clusters(), previous.clustersVersion(), versions),
        pick(old.loadAssignments(), next.loadAssignments(), previous.endpointsVersion(), versions),
        pick(old.listeners(), next.listeners(), previous.listenersVersion(), versions),
        pick(old.routes(), next.routes(), previous.routesVersion(), versions));
  }

  private static String pick(List<?> old, List<?> next, String oldVersion, Versions versions) {
    return old.equals(next) ? oldVersion : versions.next();
  }

  public boolean sameVersionsAs(VersionedResources other) {
    return other != null
        && clustersVersion.equals(other.clustersVersion)
        && endpointsVersion.equals(other.endpointsVersion)
        && listenersVersion.equals(other.listenersVersion)
        && routesVersion.equals(other.routesVersion);
  }

  Snapshot toSnapshot() {
    return Snapshot.create(
        resources.clusters(),
        clustersVersion,
        resources.loadAssignments(),
        endpointsVersion,
        resources.listeners(),
        listenersVersion,
        resources.routes(),
        routesVersion,
        List.of(),
        "");
  }
}
