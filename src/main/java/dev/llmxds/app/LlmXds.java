package dev.llmxds.app;

import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.discovery.FleetSource;
import dev.llmxds.discovery.file.FileFleetSource;
import dev.llmxds.xds.StreamTracker;
import dev.llmxds.xds.Versions;
import dev.llmxds.xds.XdsPublisher;
import dev.llmxds.xds.XdsServer;
import java.io.IOException;
import java.time.Clock;

/**
 * One running llm-xds: discovery → reconciler → publisher → xDS server. The first fleet is read and
 * published before the server accepts streams, so no client ever sees an empty configuration.
 */
public final class LlmXds implements AutoCloseable {
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
    this.source = new FileFleetSource(config.discovery().file(), clock);
    this.server = new XdsServer(config.xds(), publisher, tracker);
  }

  /** Starts everything; throws DiscoveryException or IOException with a user-facing message. */
  public static LlmXds start(LlmXdsConfig config, Clock clock) throws IOException {
    LlmXds app = new LlmXds(config, clock);
    try {
      boolean[] first = {true};
      app.source.start(
          fleet -> {
            if (first[0]) {
              first[0] = false;
              app.reconciler.publishNow(fleet);
            } else {
              app.reconciler.onFleet(fleet);
            }
          });
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
