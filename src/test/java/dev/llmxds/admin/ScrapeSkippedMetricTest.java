package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.TestServers;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ScrapeSkippedMetricTest {
  @TempDir Path dir;

  @Test
  void skippedScrapesAreExported() {
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(
        fleet, "services: [{name: llama, endpoints: [{address: 127.0.0.1, port: 1}]}]");
    try (LlmXds app =
        TestServers.start(
            TestServers.config(
                fleet, "admin: {enabled: false}\nload: {interval: 100ms, timeout: 300ms}"))) {
      String text = new LlmXdsMetrics(app, new AdminViews(app)).scrape();
      Matcher m =
          Pattern.compile("(?m)^llmxds_scrapes_skipped_total(\\{[^}]*\\})? ([0-9.E]+)$")
              .matcher(text);
      assertTrue(m.find(), text);
    }
  }
}
