package dev.llmxds.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

/** Writes fleet files the way an operator's tooling would: whole, replaced atomically. */
public final class FleetFiles {
  private FleetFiles() {}

  /** One endpoint line of a fleet file. */
  public record Entry(int port, String region, String zone, String health, boolean backup) {
    public static Entry of(int port, String region, String zone) {
      return new Entry(port, region, zone, "healthy", false);
    }

    public Entry health(String newHealth) {
      return new Entry(port, region, zone, newHealth, backup);
    }

    /** A backup endpoint: used only when no other priority has a healthy one. */
    public Entry asBackup() {
      return new Entry(port, region, zone, health, true);
    }
  }

  public static String yaml(String service, List<Entry> entries) {
    StringBuilder b = new StringBuilder("services:\n  - name: ").append(service).append("\n");
    b.append("    endpoints:\n");
    for (Entry e : entries) {
      b.append("      - {address: 127.0.0.1, port: ")
          .append(e.port())
          .append(", region: ")
          .append(e.region())
          .append(", zone: ")
          .append(e.zone())
          .append(", health: ")
          .append(e.health())
          .append(", backup: ")
          .append(e.backup())
          .append("}\n");
    }
    return b.toString();
  }

  public static void write(Path file, String content) {
    try {
      Path tmp = Files.createTempFile(file.getParent(), "fleet", ".tmp");
      Files.writeString(tmp, content, StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
