package dev.llmxds.xds.serve;

import com.google.common.collect.ImmutableSet;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Wraps java-control-plane's cache so a NACKed version is not re-sent in a loop. A NACK carries the
 * last <em>accepted</em> version, which differs from the snapshot's, so SimpleCache answers at once
 * with the same rejected snapshot, forever. Here a NACK's watch is opened at the rejected version
 * instead: the client hears again only when the snapshot really changes. It also puts the stream's
 * slim node (see {@link StreamTracker}) on every request, so requests that omit the node land in
 * the right node group and open watches keep no client-sized node.
 */
public final class NackGuard implements ConfigWatcher {
  private final ConfigWatcher delegate;

  public NackGuard(ConfigWatcher delegate) {
    this.delegate = delegate;
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    try {
      return guarded(
          ads,
          request,
          knownResourceNames,
          responseConsumer,
          hasClusterChanged,
          allowDefaultEmptyEdsUpdate);
    } finally {
      RequestContext.clear(); // gRPC threads are pooled: nothing of this stream stays on them
    }
  }

  private Watch guarded(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    RequestContext context = RequestContext.take();
    DiscoveryRequest raw = request.v3Request();
    if (context == null) {
      return delegate.createWatch(
          ads,
          request,
          knownResourceNames,
          responseConsumer,
          hasClusterChanged,
          allowDefaultEmptyEdsUpdate);
    }
    DiscoveryRequest.Builder b = raw.toBuilder();
    if (context.node() != null) {
      b.setNode(context.node()); // the stream's slim node: the watch keeps no client-sized node
    }
    Set<String> known = knownResourceNames;
    boolean clusterChanged = hasClusterChanged;
    if (raw.hasErrorDetail() && context.rejectedVersion() != null) {
      b.setVersionInfo(context.rejectedVersion());
      known = ImmutableSet.copyOf(raw.getResourceNamesList());
      clusterChanged = false;
    }
    return delegate.createWatch(
        ads,
        XdsRequest.create(b.build()),
        known,
        responseConsumer,
        clusterChanged,
        allowDefaultEmptyEdsUpdate);
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
    RequestContext context = RequestContext.take();
    DeltaXdsRequest effective = request;
    DeltaDiscoveryRequest raw = request.v3Request();
    if (context != null && context.node() != null) {
      effective = DeltaXdsRequest.create(raw.toBuilder().setNode(context.node()).build());
    }
    try {
      return delegate.createDeltaWatch(
          effective,
          requesterVersion,
          resourceVersions,
          pendingResources,
          isWildcard,
          responseConsumer,
          hasClusterChanged);
    } finally {
      RequestContext.clear();
    }
  }
}
