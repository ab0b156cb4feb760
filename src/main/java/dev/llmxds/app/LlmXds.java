package dev.llmxds.app;

import dev.llmxds.admin.AdminGrpcService;
import dev.llmxds.admin.AdminHttpServer;
import dev.llmxds.admin.AdminSource;
import dev.llmxds.admin.AdminViews;
import dev.llmxds.admin.LlmXdsMetrics;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.discovery.DiscoveryStatus;
import dev.llmxds.discovery.FleetSource;
import dev.llmxds.discovery.consul.ConsulFleetSource;
import dev.llmxds.discovery.file.FileFleetSource;
import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.load.Scraper;
import dev.llmxds.reconcile.Published;
import dev.llmxds.reconcile.Reconciler;
import dev.llmxds.util.RepeatLimiter;
import dev.llmxds.weighting.EndpointLoad;
import dev.llmxds.weighting.LoadBook;
import dev.llmxds.weighting.WeightPolicy;
import dev.llmxds.xds.projection.XdsProjection;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.serve.NodeGroups;
import dev.llmxds.xds.serve.StreamTracker;
import dev.llmxds.xds.serve.XdsCache;
import dev.llmxds.xds.serve.XdsServer;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.time.Clock;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running llm-xds, wired in the order data flows: discovery and the scraper feed the
 * reconciler; the reconciler projects, versions and publishes into the cache; the xDS server
 * answers streams from the cache and tells the reconciler of new node groups; the admin views read
 * what the reconciler published. The first fleet is read and published before the server accepts
 * streams, so no client ever sees an empty configuration.
 */
public final class LlmXds implements AdminSource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LlmXds.class);

  private final LlmXdsConfig config;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final FleetSource source;
  private final LoadBook loadBook;
  private final Scraper scraper;
  private final XdsCache cache = new XdsCache();
  private final NodeGroups nodeGroups;
  private final Reconciler reconciler;
  private final StreamTracker tracker;
  private final XdsServer server;
  private final AdminViews views;
  private final LlmXdsMetrics metrics;
  private AdminHttpServer admin;

  private LlmXds(LlmXdsConfig config, Clock clock) {
    this.config = config;
    this.source =
        config.discovery().source().equals("consul")
            ? new ConsulFleetSource(config.discovery().consul(), clock, System.getenv())
            : new FileFleetSource(config.discovery().file(), clock);
    this.loadBook = new LoadBook(new WeightPolicy(config.weights()));
    this.scraper =
        config.load().enabled()
            ? new Scraper(config.load(), new ScrapeListener(), System::nanoTime)
            : null;
    this.nodeGroups =
        new NodeGroups(
            config.xds().groupIdleTimeout(), config.xds().maxNodeGroups(), System::nanoTime);
    this.reconciler =
        new Reconciler(
            config.reconciler(),
            new XdsProjection(config),
            cache,
            System::nanoTime,
            scraper == null ? null : loadBook,
            config.weights().publishInterval());
    nodeGroups.listen(reconciler);
    if (scraper != null) {
      reconciler.subscribe(new FollowFleet(scraper));
    }
    this.tracker = new StreamTracker(nodeGroups, cache::forget, clock);
    this.views = new AdminViews(this);
    this.metrics = new LlmXdsMetrics(this, views);
    this.server =
        new XdsServer(
            config.xds(),
            cache,
            nodeGroups,
            tracker,
            adminOnXdsPort(config) ? List.of(new AdminGrpcService(views, this)) : List.of());
  }

  /** The scraper follows the published fleet (a new fleet only: weights don't move targets). */
  private static final class FollowFleet implements Consumer<Published> {
    private final Scraper scraper;
    private Fleet followed;

    FollowFleet(Scraper scraper) {
      this.scraper = scraper;
    }

    @Override
    public void accept(Published published) {
      if (published.fleet() != followed) {
        followed = published.fleet();
        scraper.update(followed);
      }
    }
  }

  /** Scrape outcomes into the load book, the scrape timer and (rate-limited) the log. */
  private final class ScrapeListener implements Scraper.Listener {
    /** Identical scrape WARN lines (say, a whole zone refusing): the first, then one per 30 s. */
    private final RepeatLimiter warnings =
        new RepeatLimiter(java.time.Duration.ofSeconds(30), System::nanoTime);

    private final Timer timer =
        Timer.builder("llmxds.scrape.duration")
            .description("engine /metrics scrape latency")
            .publishPercentiles(0.5, 0.99)
            .register(registry);

    @Override
    public void onLoad(String service, String id, EngineLoad load, EngineKind engine, long nanos) {
      loadBook.record(service, id, load, engine.name().toLowerCase(Locale.ROOT), nanos);
    }

    @Override
    public void onDuration(long nanos) {
      timer.record(nanos, TimeUnit.NANOSECONDS);
    }

    @Override
    public void onFailure(String service, String id, String error) {
      var before = loadBook.get(service, id);
      long suppressed =
          before == null || before.lastError() == null
              ? warnings.admit(error.replaceAll("http://\\S+", "<url>"))
              : RepeatLimiter.SUPPRESS;
      if (suppressed != RepeatLimiter.SUPPRESS) {
        log.warn(
            "scraping {} of {} failed: {}; its weight decays to the static weight{}",
            id,
            service,
            error,
            warnings.suffix(suppressed));
      }
      loadBook.recordFailure(service, id, error);
    }
  }

  /**
   * Whether the admin gRPC service is served on the xDS port. The xDS port listens on every
   * interface, so by default only where it requires client certificates; {@code
   * admin.grpcOnXdsPort: true} serves it on any xDS port, with a warning when that port is
   * plaintext or takes clients without certificates.
   */
  static boolean adminOnXdsPort(LlmXdsConfig config) {
    boolean mtls = config.xds().tls() != null && config.xds().tls().mutual();
    Boolean explicit = config.admin().grpcOnXdsPort();
    return explicit == null ? mtls : explicit;
  }

  private static void logAdminOnXdsPort(LlmXdsConfig config, int port) {
    boolean mtls = config.xds().tls() != null && config.xds().tls().mutual();
    if (!adminOnXdsPort(config)) {
      log.info(
          "admin gRPC service not served on the xDS port{}",
          mtls || config.admin().grpcOnXdsPort() != null
              ? ""
              : ": it does not require client certificates (admin.grpcOnXdsPort: true serves it"
                  + " anyway)");
    } else if (!mtls) {
      log.warn(
          "admin.grpcOnXdsPort: the admin gRPC service (fleet, nodes, config dumps) is served on"
              + " the xDS port {}:{} to anyone who can reach it: that port {}",
          config.xds().host(),
          port,
          config.xds().tls() == null ? "is plaintext" : "does not require client certificates");
    }
  }

  /**
   * Starts everything. The xDS server opens only once discovery has produced its first fleet, so a
   * replica that cannot read Consul never hands Envoy an empty configuration; until then it logs
   * and retries. Throws DiscoveryException (a bad fleet file) or IOException (cannot listen).
   */
  public static LlmXds start(LlmXdsConfig config, Clock clock) throws IOException {
    LlmXds app = new LlmXds(config, clock);
    try {
      if (config.admin().enabled()) {
        try {
          app.admin = new AdminHttpServer(config.admin(), app, app.views, app.metrics);
          app.admin.sampleHistory(2);
        } catch (IOException e) {
          throw listenError("admin", config.admin().host(), config.admin().port(), e);
        }
      }
      CompletableFuture<Void> firstFleet = new CompletableFuture<>();
      app.source.start(
          fleet -> {
            if (!firstFleet.isDone()) {
              app.reconciler.publishNow(fleet);
              firstFleet.complete(null);
            } else {
              app.reconciler.onFleet(fleet);
            }
          });
      if (!firstFleet.isDone()) {
        log.info("waiting for the first fleet from {}", app.source.status().source());
      }
      firstFleet.join();
      try {
        app.server.start();
      } catch (IOException e) {
        throw listenError("xDS", config.xds().host(), config.xds().port(), e);
      }
      logAdminOnXdsPort(config, app.server.port());
      return app;
    } catch (IOException | RuntimeException e) {
      app.close();
      throw e;
    }
  }

  /** Names the listener that could not bind, whichever it was. */
  private static IOException listenError(String what, String host, int port, IOException e) {
    String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    return new IOException(what + " " + host + ":" + port + ": " + reason, e);
  }

  /** Shows the demo's panel and buttons on the admin page (no effect without the admin server). */
  void demoPanel(dev.llmxds.admin.DemoPanel panel) {
    if (admin != null) {
      admin.demo(panel);
    }
  }

  public int xdsPort() {
    return server.port();
  }

  /** The admin HTTP port, or -1 when the admin server is disabled. */
  public int adminPort() {
    return admin == null ? -1 : admin.port();
  }

  public LlmXdsConfig config() {
    return config;
  }

  public Reconciler reconciler() {
    return reconciler;
  }

  @Override
  public Published published() {
    return reconciler.published();
  }

  @Override
  public AutoCloseable subscribe(Consumer<Published> subscriber) {
    return reconciler.subscribe(subscriber);
  }

  @Override
  public VersionedResources preview(NodeGroupKey group) {
    return reconciler.preview(group);
  }

  @Override
  public StreamTracker streams() {
    return tracker;
  }

  @Override
  public NodeGroups nodeGroups() {
    return nodeGroups;
  }

  @Override
  public DiscoveryStatus discovery() {
    return source.status();
  }

  @Override
  public EndpointLoad load(String service, String endpointId) {
    return scraper == null ? null : loadBook.get(service, endpointId);
  }

  @Override
  public Scraper.Stats scrapes() {
    return scraper == null ? null : scraper.stats();
  }

  @Override
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** The scraper, or null when load scraping is disabled. */
  public Scraper scraper() {
    return scraper;
  }

  @Override
  public void close() {
    if (admin != null) {
      admin.close();
    }
    source.close();
    server.close();
    reconciler.close();
    if (scraper != null) {
      scraper.close();
    }
  }
}
