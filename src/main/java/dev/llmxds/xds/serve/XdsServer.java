package dev.llmxds.xds.serve;

import dev.llmxds.config.TlsConfig;
import dev.llmxds.config.XdsServerConfig;
import dev.llmxds.util.DaemonThreads;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC server: ADS (state of the world and delta) plus the per-type xDS services, optionally
 * over TLS or mTLS. Requests larger than {@link #MAX_REQUEST_BYTES} are refused by gRPC
 * (RESOURCE_EXHAUSTED); a timer drops node groups idle past {@code xds.groupIdleTimeout}.
 */
public final class XdsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(XdsServer.class);

  /**
   * Largest request message accepted (gRPC's default, set explicitly): an Envoy request is its node
   * (≤ 64 KiB, see {@link StreamTracker#MAX_NODE_BYTES}) plus the names it watches.
   */
  public static final int MAX_REQUEST_BYTES = 4 * 1024 * 1024;

  private final Server server;
  private final NodeGroups groups;
  private final Duration sweepEvery;
  private final ScheduledExecutorService sweeper = DaemonThreads.scheduler("xds-group-sweeper");
  private final StripedExecutorGroup sendExecutors =
      new StripedExecutorGroup(Runtime.getRuntime().availableProcessors());

  /** Streams one connection may hold open at once; more are refused by gRPC (REFUSED_STREAM). */
  static final int MAX_STREAMS_PER_CONNECTION = 1_000;

  public XdsServer(
      XdsServerConfig config,
      XdsCache cache,
      NodeGroups groups,
      StreamTracker tracker,
      List<BindableService> extraServices) {
    this(config, cache, cache.serializer(), groups, tracker, extraServices);
  }

  /**
   * As above with any java-control-plane cache and serializer (the push benchmark serves from
   * java-control-plane's SimpleCache to compare).
   */
  public XdsServer(
      XdsServerConfig config,
      io.envoyproxy.controlplane.cache.ConfigWatcher cache,
      io.envoyproxy.controlplane.server.serializer.ProtoResourcesSerializer serializer,
      NodeGroups groups,
      StreamTracker tracker,
      List<BindableService> extraServices) {
    this.groups = groups;
    Duration half = config.groupIdleTimeout().dividedBy(2);
    this.sweepEvery =
        half.compareTo(Duration.ofMillis(10)) < 0
            ? Duration.ofMillis(10)
            : half.compareTo(Duration.ofSeconds(10)) > 0 ? Duration.ofSeconds(10) : half;
    V3DiscoveryServer discovery =
        new V3DiscoveryServer(List.of(tracker), new NackGuard(cache), sendExecutors, serializer);
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
            .maxInboundMessageSize(MAX_REQUEST_BYTES)
            // one Envoy or gRPC process opens one ADS stream (a few with per-type services): a
            // connection carrying more is a client multiplying state, not a proxy
            .maxConcurrentCallsPerConnection(MAX_STREAMS_PER_CONNECTION)
            .permitKeepAliveTime(10, TimeUnit.SECONDS)
            .permitKeepAliveWithoutCalls(true)
            .build();
  }

  static ServerCredentials credentials(TlsConfig tls) {
    if (tls == null) {
      return InsecureServerCredentials.create();
    }
    TlsRefusalLog.install();
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
    long every = sweepEvery.toNanos();
    sweeper.scheduleWithFixedDelay(this::sweep, every, every, TimeUnit.NANOSECONDS);
    return this;
  }

  private void sweep() {
    try {
      groups.dropIdle();
    } catch (RuntimeException e) {
      log.error("dropping idle node groups failed", e);
    }
  }

  public int port() {
    return server.getPort();
  }

  @Override
  public void close() {
    sweeper.shutdownNow();
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
