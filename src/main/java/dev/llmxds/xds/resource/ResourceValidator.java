package dev.llmxds.xds.resource;

import com.google.protobuf.Message;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.load_balancing_policies.least_request.v3.LeastRequest;
import io.envoyproxy.envoy.extensions.load_balancing_policies.ring_hash.v3.RingHash;
import io.envoyproxy.envoy.extensions.load_balancing_policies.round_robin.v3.RoundRobin;
import io.envoyproxy.envoy.extensions.load_balancing_policies.wrr_locality.v3.WrrLocality;
import io.envoyproxy.envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Checks a node group's resources before they are published: Envoy's declared field constraints
 * ({@link ProtoRules}) on every resource, then each type's own rules and references ({@link
 * XdsResourceType#validate}): unique names, priorities contiguous from 0 and at most 128, every
 * locality weighted, one ClusterLoadAssignment per EDS cluster, routes naming existing clusters,
 * the router as the last HTTP filter.
 */
public final class ResourceValidator {
  private final ProtoRules rules =
      new ProtoRules(
          List.of(
              HttpConnectionManager.getDefaultInstance(),
              Router.getDefaultInstance(),
              PreviousHostsPredicate.getDefaultInstance(),
              WrrLocality.getDefaultInstance(),
              LeastRequest.getDefaultInstance(),
              RoundRobin.getDefaultInstance(),
              RingHash.getDefaultInstance()));

  /** Every problem found, one line each; empty when the resources may be published. */
  public List<String> validate(XdsResources resources) {
    return validate(resources, m -> false);
  }

  /**
   * As {@link #validate(XdsResources)}, skipping the per-field rules for resources {@code
   * alreadyValid} vouches for (equal to ones that passed before); the rest always runs.
   */
  public List<String> validate(XdsResources resources, Predicate<Message> alreadyValid) {
    List<String> errors = new ArrayList<>();
    for (Message m : all(resources)) {
      if (!alreadyValid.test(m)) {
        errors.addAll(rules.violations(m));
      }
    }
    for (XdsResourceType<?> type : ResourceTypes.ALL) {
      type.validate(resources, errors);
    }
    return errors;
  }

  /** Every resource of every type. */
  public static List<Message> all(XdsResources resources) {
    List<Message> out = new ArrayList<>();
    for (XdsResourceType<?> type : ResourceTypes.ALL) {
      out.addAll(type.of(resources));
    }
    return out;
  }
}
