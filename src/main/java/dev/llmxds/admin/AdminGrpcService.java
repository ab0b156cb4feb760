package dev.llmxds.admin;

import dev.llmxds.admin.v1.AdminServiceGrpc;
import dev.llmxds.admin.v1.ConfigDump;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.GetConfigDumpRequest;
import dev.llmxds.admin.v1.GetFleetRequest;
import dev.llmxds.admin.v1.GetNodesRequest;
import dev.llmxds.admin.v1.Nodes;
import dev.llmxds.admin.v1.WatchFleetRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin views over gRPC: Get* and a server-streaming watch of the fleet. Served on the xDS port
 * only where that is safe (see {@code admin.grpcOnXdsPort}).
 */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
  private static final Logger log = LoggerFactory.getLogger(AdminGrpcService.class);
  private final AdminViews views;
  private final Supplier<Fleet> fleet;
  private final Function<Runnable, AutoCloseable> onPublish;
  private final AtomicLong sentWhileNotReady = new AtomicLong();
  private final AtomicLong maxPending = new AtomicLong();
  private final AtomicInteger watchers = new AtomicInteger();

  /** The most WatchFleet streams open at once; more are refused with RESOURCE_EXHAUSTED. */
  static final int MAX_WATCHERS = 64;

  public AdminGrpcService(AdminViews views, AdminSource source) {
    this(views, views::fleet, listener -> source.subscribe(published -> listener.run()));
  }

  /**
   * @param fleet renders the fleet view
   * @param onPublish registers a listener for every publication; closing the result removes it
   */
  AdminGrpcService(
      AdminViews views, Supplier<Fleet> fleet, Function<Runnable, AutoCloseable> onPublish) {
    this.views = views;
    this.fleet = fleet;
    this.onPublish = onPublish;
  }

  /** Messages handed to gRPC while the watcher's stream was not ready (buffered by gRPC). */
  long sentWhileNotReady() {
    return sentWhileNotReady.get();
  }

  /** The most updates ever pending (accepted, not yet handed to gRPC) for one watcher. */
  long maxPending() {
    return maxPending.get();
  }

  @Override
  public void getFleet(GetFleetRequest request, StreamObserver<Fleet> response) {
    response.onNext(fleet.get());
    response.onCompleted();
  }

  @Override
  public void getNodes(GetNodesRequest request, StreamObserver<Nodes> response) {
    response.onNext(views.nodes());
    response.onCompleted();
  }

  @Override
  public void getConfigDump(GetConfigDumpRequest request, StreamObserver<ConfigDump> response) {
    String kind = request.getKind().isEmpty() ? "sidecar" : request.getKind();
    if (!kind.equals("sidecar") && !kind.equals("proxyless")) {
      response.onError(
          Status.INVALID_ARGUMENT
              .withDescription("kind must be sidecar or proxyless")
              .asException());
      return;
    }
    response.onNext(views.configDump(kind, request.getRegion(), request.getZone()));
    response.onCompleted();
  }

  /**
   * Streams the fleet view: now, then after every publication. Flow control is respected: while the
   * client does not read (the stream is not ready), publications only mark the watcher stale, so at
   * most one update is pending per watcher, and the view sent when the stream becomes ready again
   * is rendered then, i.e. the latest. At most {@value #MAX_WATCHERS} watchers at once.
   */
  @Override
  public void watchFleet(WatchFleetRequest request, StreamObserver<Fleet> response) {
    ServerCallStreamObserver<Fleet> call = (ServerCallStreamObserver<Fleet>) response;
    if (watchers.incrementAndGet() > MAX_WATCHERS) {
      watchers.decrementAndGet();
      call.onError(
          Status.RESOURCE_EXHAUSTED
              .withDescription("too many fleet watchers (at most " + MAX_WATCHERS + ")")
              .asException());
      return;
    }
    Watcher watcher = new Watcher(call);
    call.setOnReadyHandler(watcher::drain);
    call.setOnCancelHandler(watcher::close);
    watcher.registered(onPublish.apply(watcher::stale));
    watcher.stale();
  }

  /** One WatchFleet stream: a stale flag instead of a queue. */
  private final class Watcher {
    private final ServerCallStreamObserver<Fleet> call;
    private AutoCloseable registration;
    private boolean stale;
    private boolean closed;

    Watcher(ServerCallStreamObserver<Fleet> call) {
      this.call = call;
    }

    /** Keeps the publication listener's handle, or removes it if the call already ended. */
    void registered(AutoCloseable handle) {
      synchronized (this) {
        if (!closed) {
          registration = handle;
          return;
        }
      }
      unregister(handle);
    }

    /** A publication happened: mark the view stale and send it if the client can take it. */
    void stale() {
      synchronized (this) {
        if (closed) {
          return;
        }
        stale = true;
        maxPending.accumulateAndGet(1, Math::max);
      }
      drain();
    }

    /** Sends the latest view if one is pending and the stream is ready. */
    void drain() {
      synchronized (this) {
        try {
          while (stale && !closed && call.isReady()) {
            stale = false;
            Fleet view = fleet.get();
            if (!call.isReady()) {
              sentWhileNotReady.incrementAndGet();
            }
            call.onNext(view);
          }
        } catch (RuntimeException e) {
          // the call ended under us (cancelled, transport gone) or the view failed: stop watching
          log.debug("fleet watcher ended: {}", e.toString());
          close();
          try {
            call.onError(Status.INTERNAL.withDescription("fleet watch ended").asException());
          } catch (RuntimeException alreadyClosed) {
            // nothing left to tell
          }
        }
      }
    }

    void close() {
      AutoCloseable handle;
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        stale = false;
        handle = registration;
        registration = null;
      }
      watchers.decrementAndGet();
      if (handle != null) {
        unregister(handle);
      }
    }
  }

  private static void unregister(AutoCloseable handle) {
    try {
      handle.close();
    } catch (Exception ignored) {
      // removing a listener cannot fail
    }
  }
}
