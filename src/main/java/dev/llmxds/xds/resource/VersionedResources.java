package dev.llmxds.xds.resource;

import com.google.protobuf.Message;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One node group's published resources with a version per type ({@link ContentVersion}: derived
 * from the type's content, so it changes exactly when that type's resources change).
 */
public record VersionedResources(XdsResources resources, Map<XdsResourceType<?>, String> versions) {

  public VersionedResources {
    versions = Map.copyOf(versions);
  }

  /** {@code resources} with each type's version computed from its content. */
  public static VersionedResources of(XdsResources resources) {
    return next(null, resources);
  }

  /** The versions for {@code next}: a type whose resources equal the previous keeps its version. */
  public static VersionedResources next(VersionedResources previous, XdsResources next) {
    Map<XdsResourceType<?>, String> versions = new LinkedHashMap<>();
    for (XdsResourceType<?> type : ResourceTypes.ALL) {
      versions.put(type, version(type, previous, next));
    }
    return new VersionedResources(next, versions);
  }

  private static <T extends Message> String version(
      XdsResourceType<T> type, VersionedResources previous, XdsResources next) {
    List<T> now = type.of(next);
    if (previous != null && type.of(previous.resources()).equals(now)) {
      return previous.version(type);
    }
    return ContentVersion.of(type, now);
  }

  /** A view with no versions: what a group would receive, not yet published. */
  public static VersionedResources unpublished(XdsResources resources) {
    Map<XdsResourceType<?>, String> versions = new LinkedHashMap<>();
    ResourceTypes.ALL.forEach(t -> versions.put(t, ""));
    return new VersionedResources(resources, versions);
  }

  public String version(XdsResourceType<?> type) {
    return versions.getOrDefault(type, "");
  }

  public String clustersVersion() {
    return version(ResourceTypes.CLUSTER);
  }

  public String endpointsVersion() {
    return version(ResourceTypes.ENDPOINT);
  }

  public String listenersVersion() {
    return version(ResourceTypes.LISTENER);
  }

  public String routesVersion() {
    return version(ResourceTypes.ROUTE);
  }

  public boolean sameVersionsAs(VersionedResources other) {
    return other != null && versions.equals(other.versions);
  }
}
