package dev.llmxds.admin;

import dev.llmxds.admin.v1.AdminServiceGrpc;
import dev.llmxds.admin.v1.ConfigDump;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.GetConfigDumpRequest;
import dev.llmxds.admin.v1.GetFleetRequest;
import dev.llmxds.admin.v1.GetNodesRequest;
import dev.llmxds.admin.v1.Nodes;
import dev.llmxds.admin.v1.WatchFleetRequest;
import dev.llmxds.app.Reconciler;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

/** The admin views over gRPC, on the xDS port: Get* and a server-streaming watch of the fleet. */
public final class AdminGrpcService extends AdminServiceGrpc.AdminServiceImplBase {
  private final AdminViews views;
  private final Reconciler reconciler;

  public AdminGrpcService(AdminViews views, Reconciler reconciler) {
    this.views = views;
    this.reconciler = reconciler;
  }

  @Override
  public void getFleet(GetFleetRequest request, StreamObserver<Fleet> response) {
    response.onNext(views.fleet());
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

  @Override
  public void watchFleet(WatchFleetRequest request, StreamObserver<Fleet> response) {
    ServerCallStreamObserver<Fleet> call = (ServerCallStreamObserver<Fleet>) response;
    Object lock = new Object();
    Runnable push =
        () -> {
          synchronized (lock) {
            if (!call.isCancelled()) {
              call.onNext(views.fleet());
            }
          }
        };
    AutoCloseable registration = reconciler.onPublish(push);
    call.setOnCancelHandler(
        () -> {
          try {
            registration.close();
          } catch (Exception ignored) {
            // removing a listener cannot fail
          }
        });
    push.run();
  }
}
