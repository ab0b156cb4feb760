package dev.llmxds.discovery.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.FileDiscoveryConfig;
import dev.llmxds.discovery.DiscoveryException;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.testing.FleetFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the file source's poll directly: no timers, no waiting. */
class FileFleetSourceTest {
  @TempDir Path dir;

  private static String fleetWith(int endpoints) {
    StringBuilder b = new StringBuilder("services:\n  - name: llama\n    endpoints:\n");
    for (int i = 0; i < endpoints; i++) {
      b.append("      - {address: 10.0.0.1, port: ").append(8000 + i).append("}\n");
    }
    return b.toString();
  }

  private FileFleetSource source(Path file) {
    // a poll interval far beyond the test: only explicit poll() calls read the file
    return new FileFleetSource(
        new FileDiscoveryConfig(file, Duration.ofHours(1)), Clock.systemUTC());
  }

  @Test
  void publishesOnStartAndOnEveryRealChange() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    FleetFiles.write(file, fleetWith(1));
    List<Fleet> seen = new CopyOnWriteArrayList<>();
    try (FileFleetSource source = source(file)) {
      source.start(seen::add);
      assertEquals(1, seen.size());

      source.poll();
      assertEquals(1, seen.size(), "unchanged content publishes nothing");

      FleetFiles.write(file, fleetWith(2));
      source.poll();
      assertEquals(2, seen.size());
      assertEquals(2, seen.get(1).endpointCount());
      assertTrue(!source.status().failing());
    }
  }

  @Test
  void badEditOrMissingFileKeepsTheLastGoodFleetAndRecordsWhy() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    FleetFiles.write(file, fleetWith(2));
    List<Fleet> seen = new CopyOnWriteArrayList<>();
    try (FileFleetSource source = source(file)) {
      source.start(seen::add);

      FleetFiles.write(file, fleetWith(1).replace("port: 8000", "port: -1"));
      source.poll();
      assertEquals(1, seen.size(), "nothing published");
      assertTrue(source.status().failing());
      assertEquals(
          "services[0].endpoints[0].port: port must be 1..65535, got -1",
          source.status().lastError());

      Files.delete(file);
      source.poll();
      assertEquals(1, seen.size());
      assertEquals("fleet file " + file + " does not exist", source.status().lastError());

      FleetFiles.write(file, fleetWith(3));
      source.poll();
      assertEquals(2, seen.size(), "recovers on the next good edit");
      assertEquals(3, seen.get(1).endpointCount());
      assertTrue(!source.status().failing());
    }
  }

  @Test
  void aBadFileAtStartStopsStartUpWithOneLine() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    Files.writeString(file, "services: [{name: a, endpoints: [{address: x}]}]");
    try (FileFleetSource source = source(file)) {
      DiscoveryException e = assertThrows(DiscoveryException.class, () -> source.start(f -> {}));
      assertEquals("file:" + file + ": services[0].endpoints[0].port: is required", e.getMessage());
    }
  }

  @Test
  void withoutAPathTheEmbeddedFleetIsServed() {
    List<Fleet> seen = new CopyOnWriteArrayList<>();
    try (FileFleetSource source =
        new FileFleetSource(FileDiscoveryConfig.DEFAULT, Clock.systemUTC())) {
      source.start(seen::add);
      assertEquals(4, seen.get(0).endpointCount());
      assertEquals("file:embedded", source.status().source());
    }
  }
}
