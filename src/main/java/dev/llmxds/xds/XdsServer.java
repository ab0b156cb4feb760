package dev.llmxds.xds;

import dev.llmxds.config.TlsConfig;
import dev.llmxds.config.XdsServerConfig;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.grpc.BindableService;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server: ADS (state of the world and delta) plus the per-type xDS services, optionally
 * over TLS or mTLS.
 */
public final class XdsServer implements AutoCloseable {
  private final Server server;
  private final StripedExecutorGroup sendExecutors =
      new StripedExecutorGroup(Runtime.getRuntime().availableProcessors());

  public XdsServer(
      XdsServerConfig config,
      XdsPublisher publisher,
      StreamTracker tracker,
      List<BindableService> extraServices) {
    V3DiscoveryServer discovery =
        new V3DiscoveryServer(
            List.of(tracker),
            new NackGuard(publisher.watcher()),
            sendExecutors,
            publisher.serializer());
    NettyServerBuilder builder =
        NettyServerBuilder.forAddress(
            new InetSocketAddress(config.host(), config.port()), credentials(config.tls()));
    extraServices.forEach(builder::addService);
    this.server =
        builder
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .addService(discovery.getClusterDiscoveryServiceImpl())
            .addService(discovery.getEndpointDiscoveryServiceImpl())
            .addService(discovery.getListenerDiscoveryServiceImpl())
            .addService(discovery.getRouteDiscoveryServiceImpl())
            .directExecutor()
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .build();
  }

  static ServerCredentials credentials(TlsConfig tls) {
    if (tls == null) {
      return InsecureServerCredentials.create();
    }
    try {
      TlsServerCredentials.Builder b =
          TlsServerCredentials.newBuilder()
              .keyManager(tls.certFile().toFile(), tls.keyFile().toFile());
      if (tls.mutual()) {
        b.trustManager(tls.clientCaFile().toFile())
            .clientAuth(TlsServerCredentials.ClientAuth.REQUIRE);
      }
      return b.build();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load TLS files: " + e.getMessage(), e);
    }
  }

  public XdsServer start() throws IOException {
    server.start();
    return this;
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    sendExecutors.close();
    server.shutdown();
    try {
      if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
        server.shutdownNow();
      }
    } catch (InterruptedException e) {
      server.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
