package dev.llmxds.testing;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A raw ADS stream (state of the world or delta) that queues what the server sends. */
public final class AdsClient<Req, Resp> implements AutoCloseable {
  private final BlockingQueue<Resp> responses = new LinkedBlockingQueue<>();
  private final StreamObserver<Req> requests;
  private final java.util.concurrent.CompletableFuture<Throwable> error =
      new java.util.concurrent.CompletableFuture<>();

  private AdsClient(java.util.function.Function<StreamObserver<Resp>, StreamObserver<Req>> open) {
    this.requests =
        open.apply(
            new StreamObserver<>() {
              @Override
              public void onNext(Resp value) {
                responses.add(value);
              }

              @Override
              public void onError(Throwable t) {
                error.complete(t);
              }

              @Override
              public void onCompleted() {}
            });
  }

  public static AdsClient<DiscoveryRequest, DiscoveryResponse> sotw(Channel channel) {
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    return new AdsClient<>(stub::streamAggregatedResources);
  }

  public static AdsClient<DeltaDiscoveryRequest, DeltaDiscoveryResponse> delta(Channel channel) {
    var stub = AggregatedDiscoveryServiceGrpc.newStub(channel);
    return new AdsClient<>(stub::deltaAggregatedResources);
  }

  public static Node node(String id, String region, String zone) {
    Node.Builder b = Node.newBuilder().setId(id).setUserAgentName("envoy");
    if (zone != null) {
      b.getLocalityBuilder().setRegion(region).setZone(zone);
    }
    return b.build();
  }

  public void send(Req request) {
    synchronized (requests) {
      requests.onNext(request);
    }
  }

  /** The next response, failing the test when none arrives in time. */
  public Resp next(Duration timeout) throws InterruptedException {
    Resp r = responses.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    if (r == null) {
      throw new AssertionError(
          "no xDS response within "
              + timeout
              + (error == null ? "" : " (stream error: " + error + ")"));
    }
    return r;
  }

  /** The error that ended the stream, failing the test when it stays open. */
  public Throwable awaitError(Duration timeout) throws Exception {
    try {
      return error.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new AssertionError("stream still open after " + timeout);
    }
  }

  /** A response already queued, or null: never waits. */
  public Resp poll() {
    return responses.poll();
  }

  @Override
  public void close() {
    try {
      requests.onCompleted();
    } catch (RuntimeException ignored) {
      // the stream may already be gone
    }
  }
}
