package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.admin.v1.AdminServiceGrpc;
import dev.llmxds.admin.v1.Endpoint;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.Service;
import dev.llmxds.admin.v1.WatchFleetRequest;
import dev.llmxds.testing.Await;
import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * WatchFleet against a client that stops reading: the server keeps at most the latest undelivered
 * update per watcher instead of buffering every publication, and the client gets the latest state
 * once it reads again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminWatchFleetFlowControlTest {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final int UPDATES = 2_000;

  private final AtomicLong version = new AtomicLong();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private Server server;
  private ManagedChannel channel;

  @AfterEach
  void stop() {
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.shutdownNow();
    }
  }

  /** A fleet view of a few kilobytes, numbered by the publication that made it. */
  private Fleet fleet() {
    Service.Builder s = Service.newBuilder().setName("llama");
    for (int i = 0; i < 50; i++) {
      s.addEndpoints(
          Endpoint.newBuilder()
              .setId("endpoint-" + i + "-padding-padding-padding")
              .setAddress("10.0.0." + i)
              .setPort(8000)
              .setRegion("region")
              .setZone("zone-" + i));
    }
    return Fleet.newBuilder().setPublications(version.get()).addServices(s).build();
  }

  private void publish() {
    version.incrementAndGet();
    listeners.forEach(Runnable::run);
  }

  @Test
  void aWatcherThatDoesNotReadHoldsAtMostTheLatestUpdate() throws Exception {
    AdminGrpcService service =
        new AdminGrpcService(
            null,
            this::fleet,
            listener -> {
              listeners.add(listener);
              return () -> listeners.remove(listener);
            });
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build()
            .start();
    channel =
        NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
            .usePlaintext()
            .flowControlWindow(16 * 1024)
            .build();
    BlockingQueue<Fleet> received = new LinkedBlockingQueue<>();
    ClientCall<WatchFleetRequest, Fleet> call =
        channel.newCall(AdminServiceGrpc.getWatchFleetMethod(), CallOptions.DEFAULT);
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onMessage(Fleet message) {
            received.add(message);
          }

          @Override
          public void onClose(Status status, Metadata trailers) {}
        },
        new Metadata());
    call.sendMessage(WatchFleetRequest.getDefaultInstance());
    call.halfClose();
    // no call.request(n): the client reads nothing, its 16 KiB window fills up
    Await.until(WAIT, () -> listeners.size() == 1, "the watcher is registered");

    for (int i = 0; i < UPDATES; i++) {
      publish();
    }
    assertEquals(
        0, service.sentWhileNotReady(), "nothing is handed to gRPC while the stream is not ready");
    assertTrue(service.maxPending() <= 1, "pending per watcher: " + service.maxPending());

    call.request(Integer.MAX_VALUE);
    Await.until(
        WAIT,
        () -> received.stream().anyMatch(f -> f.getPublications() == UPDATES),
        () -> "the latest state arrives; got " + received.size() + " messages");
    assertTrue(
        received.size() < 100,
        "updates were coalesced, not buffered: " + received.size() + " messages");
    call.cancel("done", null);
    Await.until(WAIT, listeners::isEmpty, "a cancelled watcher unregisters");
  }
}
