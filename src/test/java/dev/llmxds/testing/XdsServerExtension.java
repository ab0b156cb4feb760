package dev.llmxds.testing;

import dev.llmxds.app.LlmXds;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * One llm-xds server per test, on a free loopback port, serving a fleet file the test writes, with
 * plaintext channels to its xDS port; everything is closed after the test. Register with
 * {@code @RegisterExtension final XdsServerExtension xds = new XdsServerExtension();}.
 */
public final class XdsServerExtension implements BeforeEachCallback, AfterEachCallback {
  private final List<ManagedChannel> channels = new ArrayList<>();
  private Path dir;
  private Path fleet;
  private LlmXds server;

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    dir = Files.createTempDirectory("llm-xds-test");
    fleet = dir.resolve("fleet.yaml");
  }

  /** Writes the fleet file (first, before {@link #start}; again, to change the fleet). */
  public Path writeFleet(String yaml) {
    FleetFiles.write(fleet, yaml);
    return fleet;
  }

  /** Starts the server on the fleet file with {@code extraYaml} (see {@link TestServers}). */
  public LlmXds start(String extraYaml) {
    server = TestServers.start(TestServers.config(fleet, extraYaml));
    return server;
  }

  public LlmXds server() {
    return server;
  }

  public Path fleet() {
    return fleet;
  }

  /** A new plaintext channel to the xDS port, closed after the test. */
  public ManagedChannel channel() {
    ManagedChannel c =
        NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    channels.add(c);
    return c;
  }

  @Override
  public void afterEach(ExtensionContext context) throws IOException {
    channels.forEach(ManagedChannel::shutdownNow);
    channels.clear();
    if (server != null) {
      server.close();
      server = null;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).forEach(XdsServerExtension::delete);
    }
  }

  private static void delete(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
