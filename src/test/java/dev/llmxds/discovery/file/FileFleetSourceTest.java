package dev.llmxds.discovery.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Drives the file source's poll directly: no timers, no waiting. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
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
    return source(file, false);
  }

  private FileFleetSource source(Path file, boolean allowEmpty) {
    // a poll interval far beyond the test: only explicit poll() calls read the file
    return new FileFleetSource(
        new FileDiscoveryConfig(file, Duration.ofHours(1), allowEmpty), Clock.systemUTC());
  }

  /** Two polls: a change is read once the file held still from one poll to the next. */
  private static void settle(FileFleetSource source) {
    source.poll();
    source.poll();
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
      settle(source);
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
      settle(source);
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
      settle(source);
      assertEquals(2, seen.size(), "recovers on the next good edit");
      assertEquals(3, seen.get(1).endpointCount());
      assertTrue(!source.status().failing());
    }
  }

  @Test
  void aBadFileAtStartStopsStartUpWithOneLine() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    Files.writeString(file, "services: [{name: a, endpoints: [{address: 10.0.0.1}]}]");
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

  @Test
  void anEmptyOrBareFileIsAnErrorThatKeepsTheLastGoodFleet() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    FleetFiles.write(file, fleetWith(2));
    List<Fleet> seen = new CopyOnWriteArrayList<>();
    try (FileFleetSource source = source(file)) {
      source.start(seen::add);
      for (String empty : List.of("", "services:\n", "   \n", "services: []\n")) {
        FleetFiles.write(file, empty);
        settle(source);
        assertEquals(1, seen.size(), "nothing published for '" + empty + "'");
        assertTrue(source.status().failing(), empty);
        assertTrue(
            source.status().lastError().startsWith("services: "), source.status().lastError());
      }
      FleetFiles.write(file, fleetWith(1));
      settle(source);
      assertEquals(2, seen.size());
      assertFalse(source.status().failing());
    }
  }

  @Test
  void anEmptyFleetNeedsBothAnExplicitEmptyListAndAllowEmpty() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    FleetFiles.write(file, fleetWith(2));
    List<Fleet> seen = new CopyOnWriteArrayList<>();
    try (FileFleetSource source = source(file, true)) {
      source.start(seen::add);
      FleetFiles.write(file, "");
      settle(source);
      assertEquals(1, seen.size(), "an empty file is never an empty fleet");
      assertTrue(source.status().failing());

      FleetFiles.write(file, "services: []\n");
      settle(source);
      assertEquals(2, seen.size());
      assertEquals(Fleet.EMPTY, seen.get(1));
      assertFalse(source.status().failing());
    }
  }

  @Test
  void anEmptyFileAtStartStopsStartUp() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    Files.writeString(file, "");
    try (FileFleetSource source = source(file)) {
      DiscoveryException e = assertThrows(DiscoveryException.class, () -> source.start(f -> {}));
      assertTrue(e.getMessage().contains("lists no services"), e.getMessage());
    }
  }

  @Test
  void aFileBeingWrittenInPlaceIsReadOnlyOnceItHoldsStill() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    FleetFiles.write(file, fleetWith(1));
    List<Fleet> seen = new CopyOnWriteArrayList<>();
    try (FileFleetSource source = source(file)) {
      source.start(seen::add);
      String whole = fleetWith(3);
      String cut = whole.substring(0, whole.lastIndexOf("      - ")); // at a line boundary
      Files.writeString(file, cut); // an editor or script writing in place, not renaming
      source.poll();
      assertEquals(1, seen.size(), "a file that just changed is not read yet");
      Files.writeString(file, whole);
      source.poll();
      assertEquals(1, seen.size(), "still changing");
      source.poll();
      assertEquals(2, seen.size());
      assertEquals(3, seen.get(1).endpointCount(), "the whole file, never the cut one");
    }
  }

  @Test
  void restoringThePublishedFileAfterAFailureClearsTheError() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    String good = fleetWith(2);
    FleetFiles.write(file, good);
    List<Fleet> seen = new CopyOnWriteArrayList<>();
    try (FileFleetSource source = source(file)) {
      source.start(seen::add);
      Files.delete(file);
      source.poll();
      assertTrue(source.status().failing());

      FleetFiles.write(file, good);
      settle(source);
      assertFalse(source.status().failing(), "back to good: " + source.status());
      assertEquals(1, seen.size(), "the same fleet is not published again");

      FleetFiles.write(file, "services: [");
      settle(source);
      assertTrue(source.status().failing());
      FleetFiles.write(file, good);
      settle(source);
      assertFalse(source.status().failing(), "back to good after a bad edit: " + source.status());
    }
  }

  @Test
  void aFileOverTheSizeCapIsRefused() throws Exception {
    Path file = dir.resolve("fleet.yaml");
    FleetFiles.write(file, fleetWith(1));
    List<Fleet> seen = new CopyOnWriteArrayList<>();
    try (FileFleetSource source = source(file)) {
      source.start(seen::add);
      try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(file.toFile(), "rw")) {
        f.setLength(FileFleetSource.MAX_BYTES + 1);
      }
      settle(source);
      assertEquals(1, seen.size());
      assertTrue(
          source.status().lastError().contains("larger than 16 MiB"), source.status().lastError());
    }
  }
}
