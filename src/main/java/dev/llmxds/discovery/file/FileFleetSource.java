package dev.llmxds.discovery.file;

import dev.llmxds.config.ConfigException;
import dev.llmxds.config.FileDiscoveryConfig;
import dev.llmxds.discovery.DiscoveryException;
import dev.llmxds.discovery.DiscoveryStatus;
import dev.llmxds.discovery.FleetListener;
import dev.llmxds.discovery.FleetSource;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.util.DaemonThreads;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet from a YAML file, re-read whenever its content changes (polled, so editors that replace the
 * file and bind mounts both work). A bad edit keeps the last good fleet and logs why once. Without
 * a path, the example fleet embedded in the jar is served.
 */
public final class FileFleetSource implements FleetSource {
  static final String EMBEDDED = "/embedded-fleet.yaml";
  private static final Logger log = LoggerFactory.getLogger(FileFleetSource.class);

  private final FileDiscoveryConfig config;
  private final Clock clock;
  private final ScheduledExecutorService poller;
  private volatile DiscoveryStatus status;
  private String lastContent;
  private FleetListener listener;

  public FileFleetSource(FileDiscoveryConfig config, Clock clock) {
    this.config = config;
    this.clock = clock;
    this.status = DiscoveryStatus.starting(describe(config.path()));
    this.poller = DaemonThreads.scheduler("fleet-file-watch");
  }

  private static String describe(Path path) {
    return path == null ? "file:embedded" : "file:" + path;
  }

  @Override
  public synchronized void start(FleetListener fleetListener) {
    this.listener = Objects.requireNonNull(fleetListener);
    String content;
    try {
      content = read();
    } catch (IOException e) {
      throw new DiscoveryException(e.getMessage());
    }
    Fleet fleet;
    try {
      fleet = FleetFileParser.parse(content);
    } catch (ConfigException e) {
      throw new DiscoveryException(describe(config.path()) + ": " + e.getMessage());
    }
    lastContent = content;
    status = status.succeeded(clock.instant());
    listener.onFleet(fleet);
    if (config.path() != null) {
      long every = config.pollInterval().toMillis();
      poller.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /** Re-reads the file and publishes it when its content changed and parses. */
  synchronized void poll() {
    String content;
    try {
      content = read();
    } catch (IOException e) {
      fail(e.getMessage());
      return;
    }
    if (content.equals(lastContent)) {
      return;
    }
    lastContent = content;
    try {
      Fleet fleet = FleetFileParser.parse(content);
      status = status.succeeded(clock.instant());
      log.info(
          "fleet file {} changed: {} services, {} endpoints",
          config.path(),
          fleet.services().size(),
          fleet.endpointCount());
      listener.onFleet(fleet);
    } catch (ConfigException e) {
      fail(e.getMessage());
    } catch (RuntimeException e) {
      fail("unexpected error: " + e);
    }
  }

  private void fail(String error) {
    if (!error.equals(status.lastError()) || !status.failing()) {
      log.warn("fleet file {}: {}; keeping the last good fleet", config.path(), error);
    }
    status = status.failed(clock.instant(), error);
  }

  private String read() throws IOException {
    if (config.path() == null) {
      try (InputStream in = FileFleetSource.class.getResourceAsStream(EMBEDDED)) {
        if (in == null) {
          throw new IOException("embedded fleet " + EMBEDDED + " is missing from the jar");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
    }
    try {
      return Files.readString(config.path(), StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IOException("fleet file " + config.path() + " does not exist");
    } catch (IOException e) {
      throw new IOException("cannot read fleet file " + config.path() + ": " + e.getMessage());
    }
  }

  @Override
  public DiscoveryStatus status() {
    return status;
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
