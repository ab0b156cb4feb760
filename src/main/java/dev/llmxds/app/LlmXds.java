package dev.llmxds.app;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.discovery.FleetSource;
import dev.llmxds.discovery.consul.ConsulFleetSource;
import dev.llmxds.discovery.file.FileFleetSource;
import dev.llmxds.xds.StreamTracker;
import dev.llmxds.xds.Versions;
import dev.llmxds.xds.XdsPublisher;
import dev.llmxds.xds.XdsServer;
import java.io.IOException;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running llm-xds: discovery → reconciler → publisher → xDS server. The first fleet is read and
 * published before the server accepts streams, so no client ever sees an empty configuration.
 */
public final class LlmXds implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LlmXds.class);

  private final LlmXdsConfig config;
  private final FleetSource source;
  private final Reconciler reconciler;
  private final XdsPublisher publisher;
  private final StreamTracker tracker;
  private final XdsServer server;

  private LlmXds(LlmXdsConfig config, Clock clock) {
    this.config = config;
    this.publisher = new XdsPublisher(config, new Versions(clock.instant()));
    this.tracker = new StreamTracker(publisher, clock);
    this.reconciler = new Reconciler(config.reconciler(), publisher, System::nanoTime);
    this.source =
        config.discovery().source().equals("consul")
            ? new ConsulFleetSource(config.discovery().consul(), clock, System.getenv())
            : new FileFleetSource(config.discovery().file(), clock);
    this.server = new XdsServer(config.xds(), publisher, tracker);
  }

  /**
   * Starts everything. The xDS server opens only once discovery has produced its first fleet, so a
   * replica that cannot read Consul never hands Envoy an empty configuration; until then it logs
   * and retries. Throws DiscoveryException (a bad fleet file) or IOException (cannot listen).
   */
  public static LlmXds start(LlmXdsConfig config, Clock clock) throws IOException {
    LlmXds app = new LlmXds(config, clock);
    try {
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
      app.server.start();
      return app;
    } catch (IOException | RuntimeException e) {
      app.close();
      throw e;
    }
  }

  public int xdsPort() {
    return server.port();
  }

  public LlmXdsConfig config() {
    return config;
  }

  public StreamTracker tracker() {
    return tracker;
  }

  public XdsPublisher publisher() {
    return publisher;
  }

  public Reconciler reconciler() {
    return reconciler;
  }

  public FleetSource source() {
    return source;
  }

  @Override
  public void close() {
    source.close();
    server.close();
    reconciler.close();
  }
}
