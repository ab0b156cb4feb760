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
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet from a YAML file, re-read whenever its content changes (polled, so editors that replace the
 * file and bind mounts both work). A change is read only once the file has held still — same size,
 * modification time and file key — over two consecutive polls, so a file being written in place is
 * not read half-written. A bad edit keeps the last good fleet and logs why once; so does a file
 * that lists no services, unless it says {@code services: []} and {@code allowEmpty} is set. Going
 * back to the published content clears the error. Without a path, the example fleet embedded in the
 * jar is served.
 */
public final class FileFleetSource implements FleetSource {
  static final String EMBEDDED = "/embedded-fleet.yaml";

  /** A fleet file larger than this is refused. */
  public static final long MAX_BYTES = 16L << 20;

  private static final Logger log = LoggerFactory.getLogger(FileFleetSource.class);

  private final FileDiscoveryConfig config;
  private final Clock clock;
  private final ScheduledExecutorService poller;
  private volatile DiscoveryStatus status;
  private String lastGood;
  private String lastBad;
  private Stamp seen;
  private FleetListener listener;

  /** What a poll sees of the file without reading it. */
  private record Stamp(long size, FileTime modified, Object key) {}

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
      seen = config.path() == null ? null : stamp();
      content = read();
    } catch (IOException e) {
      throw new DiscoveryException(e.getMessage());
    }
    Fleet fleet;
    try {
      fleet = FleetFileParser.parseSource(content, config.allowEmpty());
    } catch (ConfigException e) {
      throw new DiscoveryException(describe(config.path()) + ": " + e.getMessage());
    }
    lastGood = content;
    status = status.succeeded(clock.instant());
    listener.onFleet(fleet);
    if (config.path() != null) {
      long every = config.pollInterval().toMillis();
      poller.scheduleWithFixedDelay(this::poll, every, every, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Re-reads the file and publishes it when it has held still since the previous poll, its content
   * changed and it parses.
   */
  synchronized void poll() {
    String content;
    try {
      Stamp before = stamp();
      if (!before.equals(seen)) {
        seen = before; // changed since the last poll: read it once it holds still
        return;
      }
      content = read();
      Stamp after = stamp();
      if (!after.equals(before)) {
        seen = after;
        return;
      }
    } catch (IOException e) {
      seen = null;
      fail(e.getMessage());
      return;
    }
    if (content.equals(lastGood)) {
      lastBad = null;
      if (status.failing()) {
        status = status.succeeded(clock.instant());
        log.info("fleet file {} is back to the published fleet", config.path());
      }
      return;
    }
    if (content.equals(lastBad)) {
      return; // already reported
    }
    try {
      Fleet fleet = FleetFileParser.parseSource(content, config.allowEmpty());
      lastGood = content;
      lastBad = null;
      status = status.succeeded(clock.instant());
      log.info(
          "fleet file {} changed: {} services, {} endpoints",
          config.path(),
          fleet.services().size(),
          fleet.endpointCount());
      listener.onFleet(fleet);
    } catch (ConfigException e) {
      lastBad = content;
      fail(e.getMessage());
    } catch (RuntimeException e) {
      lastBad = content;
      fail("unexpected error: " + e);
    }
  }

  private void fail(String error) {
    if (!error.equals(status.lastError()) || !status.failing()) {
      log.warn("fleet file {}: {}; keeping the last good fleet", config.path(), error);
    }
    status = status.failed(clock.instant(), error);
  }

  private Stamp stamp() throws IOException {
    try {
      BasicFileAttributes a = Files.readAttributes(config.path(), BasicFileAttributes.class);
      return new Stamp(a.size(), a.lastModifiedTime(), a.fileKey());
    } catch (NoSuchFileException e) {
      throw new IOException("fleet file " + config.path() + " does not exist");
    } catch (IOException e) {
      throw new IOException("cannot read fleet file " + config.path() + ": " + e.getMessage());
    }
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
    try (InputStream in = Files.newInputStream(config.path())) {
      byte[] bytes = in.readNBytes((int) MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        throw new IOException(
            "fleet file " + config.path() + " is larger than " + (MAX_BYTES >> 20) + " MiB");
      }
      return new String(bytes, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new IOException("fleet file " + config.path() + " does not exist");
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("fleet file ")) {
        throw e;
      }
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
