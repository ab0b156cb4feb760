package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code llmxds_service_endpoints{service,health}} counts a service's endpoints by health, every
 * health listed (0 when none), so "no healthy endpoint" is a plain comparison in an alert.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServiceEndpointsMetricTest {
  private static final Pattern ROW =
      Pattern.compile(
          "(?m)^llmxds_service_endpoints\\{health=\"([a-z]+)\",service=\"llama\"\\} ([0-9.E]+)$");
  @TempDir Path dir;

  private static Map<String, Double> byHealth(LlmXdsMetrics metrics) {
    Map<String, Double> out = new TreeMap<>();
    Matcher m = ROW.matcher(metrics.scrape());
    while (m.find()) {
      out.put(m.group(1), Double.parseDouble(m.group(2)));
    }
    return out;
  }

  @Test
  void endpointsAreCountedByHealthAndAServiceWithNoneHealthyShowsZero() {
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(
        fleet,
        FleetFiles.yaml(
            "llama",
            List.of(
                Entry.of(1001, "r1", "a"),
                Entry.of(1002, "r1", "a"),
                Entry.of(1003, "r1", "b").health("draining"))));
    try (LlmXds app = TestServers.start(TestServers.config(fleet, "admin: {enabled: false}"))) {
      LlmXdsMetrics metrics = new LlmXdsMetrics(app, new AdminViews(app));
      assertEquals(
          Map.of("degraded", 0.0, "draining", 1.0, "healthy", 2.0, "unhealthy", 0.0),
          byHealth(metrics));

      FleetFiles.write(
          fleet,
          FleetFiles.yaml(
              "llama",
              List.of(
                  Entry.of(1001, "r1", "a").health("unhealthy"),
                  Entry.of(1003, "r1", "b").health("draining"))));
      Map<String, Double> none =
          Map.of("degraded", 0.0, "draining", 1.0, "healthy", 0.0, "unhealthy", 1.0);
      Await.until(
          Duration.ofSeconds(20),
          () -> byHealth(metrics).equals(none),
          () -> "no healthy endpoint left: " + byHealth(metrics));
    }
  }
}
