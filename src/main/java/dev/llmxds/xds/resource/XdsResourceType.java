package dev.llmxds.xds.resource;

import com.google.protobuf.Message;
import io.envoyproxy.controlplane.cache.Resources;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One xDS resource type, everything about it in one place: its type URL and short name, how a
 * resource is named, whether a request without names asks for all of them, the rules one resource
 * must satisfy beyond its proto's declared constraints, and what it needs from the other types of
 * the same publication. The instances are in {@link ResourceTypes}; code that handles every type
 * loops over {@link ResourceTypes#ALL} instead of repeating a block per type. (In the manner of
 * grpc-java's {@code XdsResourceType} family, on the sending side.)
 *
 * @param <T> the resource message
 */
public abstract class XdsResourceType<T extends Message> {
  private final Resources.ResourceType cacheType;
  private final String typeUrl;
  private final String shortName;
  private final String displayName;

  XdsResourceType(
      Resources.ResourceType cacheType, String typeUrl, String shortName, String displayName) {
    this.cacheType = cacheType;
    this.typeUrl = typeUrl;
    this.shortName = shortName;
    this.displayName = displayName;
  }

  /** java-control-plane's constant for this type. */
  public final Resources.ResourceType cacheType() {
    return cacheType;
  }

  public final String typeUrl() {
    return typeUrl;
  }

  /** cds, eds, lds or rds, as shown in logs, metrics and admin views. */
  public final String shortName() {
    return shortName;
  }

  /** The message name used in validation errors, e.g. {@code ClusterLoadAssignment}. */
  public final String displayName() {
    return displayName;
  }

  /** The resource's name, as a client asks for it. */
  public abstract String name(T resource);

  /** This type's resources in {@code resources}, sorted by name. */
  public abstract List<T> of(XdsResources resources);

  /**
   * Listener and Cluster are wildcard types: a request naming nothing asks for all of them, and
   * they are sent as the full set. The others are sent one by one, only when named.
   */
  public abstract boolean wildcard();

  /** Rules one resource must satisfy beyond its declared field constraints. */
  public void check(T resource, List<String> errors) {}

  /** What this type's resources need from the other types published with them. */
  public void checkReferences(XdsResources resources, List<String> errors) {}

  /** Every problem of this type's resources within {@code resources}: names, rules, references. */
  final void validate(XdsResources resources, List<String> errors) {
    Set<String> seen = new HashSet<>();
    for (T resource : of(resources)) {
      String name = name(resource);
      if (!seen.add(name)) {
        errors.add(displayName + " " + name + ": name used twice");
      }
      check(resource, errors);
    }
    checkReferences(resources, errors);
  }

  /** Names of this type's resources in {@code resources}. */
  final Set<String> names(XdsResources resources) {
    Set<String> names = new HashSet<>();
    of(resources).forEach(r -> names.add(name(r)));
    return names;
  }

  @Override
  public String toString() {
    return shortName;
  }
}
