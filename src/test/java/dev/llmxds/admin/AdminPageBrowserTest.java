package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmxds.app.Demo;
import dev.llmxds.demo.FakeEngine;
import dev.llmxds.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Headless Chromium renders the admin page of the running demo: the fleet table lists every demo
 * engine with its zone, health and weight. Skipped, with a message, where Chromium is missing
 * (.ci/run installs Debian's {@code chromium}).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class AdminPageBrowserTest {
  @TempDir Path dir;

  private static String chromium() {
    for (String candidate :
        List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome")) {
      if (Files.isExecutable(Path.of(candidate))) {
        return candidate;
      }
    }
    return null;
  }

  private String run(String chromium, String url, String... extra) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                chromium,
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--user-data-dir=" + Files.createTempDirectory(dir, "profile"),
                "--window-size=1400,1000"));
    cmd.addAll(List.of(extra));
    cmd.add(url);
    Process p = new ProcessBuilder(cmd).redirectError(dir.resolve("chromium.err").toFile()).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
    assertEquals(0, p.exitValue(), Files.readString(dir.resolve("chromium.err")));
    return out;
  }

  @Test
  void theFleetTableShowsTheDemosEndpoints() throws Exception {
    String chromium = chromium();
    assumeTrue(
        chromium != null,
        "Chromium is not installed (apt-get install chromium): browser test skipped");
    try (Demo demo = Demo.start(0, 0, 5)) {
      String url = "http://127.0.0.1:" + demo.server().adminPort() + "/";
      Await.until(
          Duration.ofSeconds(20),
          () ->
              new AdminViews(demo.server())
                  .fleet().getServices(0).getEndpointsList().stream().allMatch(e -> e.hasLoad()),
          "every demo engine scraped once");

      String dom = run(chromium, url, "--dump-dom");
      assertTrue(dom.contains("<table class=\"endpoints\">"), dom);
      for (FakeEngine engine : demo.engines()) {
        assertTrue(
            dom.contains("<td>127.0.0.1:" + engine.port() + "</td>"),
            "row for engine :" + engine.port());
      }
      for (String zone :
          List.of("us-east / us-east-1a", "us-east / us-east-1b", "eu-west / eu-west-1a")) {
        assertTrue(dom.contains(zone), zone);
      }
      assertTrue(dom.contains("class=\"HEALTHY\">HEALTHY"), "health is shown");

      Path png = Path.of("target", "admin-page.png").toAbsolutePath();
      run(chromium, url, "--screenshot=" + png);
      assertTrue(Files.size(png) > 10_000, "a screenshot was taken: " + png);
    }
  }
}
