package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.llmxds.app.Demo;
import dev.llmxds.demo.FakeEngine;
import dev.llmxds.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
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
      assertTrue(dom.contains("<h2>Demo</h2>"), "the demo section is shown");
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

  /**
   * The demo's story as a visitor sees it: twelve sidecars connected over ADS with CDS and EDS
   * ACKed, charts with data points, and after "Slow h100-a" (posted as the button does, with the
   * page's form token) the h100-a weight line of llama-weighted falls.
   */
  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void theDemoPageShowsConnectedSidecarsChartsAndAWeightFallingAfterASlowdown() throws Exception {
    String chromium = chromium();
    assumeTrue(
        chromium != null,
        "Chromium is not installed (apt-get install chromium): browser test skipped");
    try (Demo demo = Demo.start(0, 0, 16)) {
      String url = "http://127.0.0.1:" + demo.server().adminPort() + "/";
      AdminViews views = new AdminViews(demo.server());
      Await.until(
          Duration.ofSeconds(60),
          () ->
              views.nodes().getNodesList().stream()
                      .filter(
                          n ->
                              acked(n.getTypesMap().get("cds"))
                                  && acked(n.getTypesMap().get("eds")))
                      .count()
                  == demo.sidecarIds().size(),
          () -> "every demo sidecar ACKed CDS and EDS: " + views.nodes());
      Await.until(
          Duration.ofSeconds(60),
          () ->
              demo.stats().points().size() >= 3
                  && demo.stats().totals(Demo.WEIGHTED)[0] > 0
                  && demo.stats().totals(Demo.PLAIN)[0] > 0,
          "both sidecar groups got answers");

      String dom = run(chromium, url, "--dump-dom");
      for (String id : demo.sidecarIds()) {
        assertTrue(dom.contains("<td>" + id + "</td>"), "sidecar " + id + " listed");
      }
      assertTrue(
          Pattern.compile("cds c\\d+-[0-9a-f]+<br>eds c\\d+-[0-9a-f]+").matcher(dom).find(),
          "ACKed versions are shown");
      for (String chart : List.of("chart-ttft", "chart-weight-1", "chart-queue-1")) {
        assertTrue(maxPoints(dom, chart) >= 2, chart + " has data points");
      }
      assertTrue(dom.contains("data-count=\""), "where requests went has bars");

      int h100 = demo.port("llama-weighted", "h100-a");
      double before = weightLine(fetch(url), h100);
      assertTrue(before > 0, "h100-a has a weight line");

      Matcher token =
          Pattern.compile("action=\"/demo/act\\?do=slow-h100-a&amp;token=([A-Za-z0-9_-]+)\"")
              .matcher(dom);
      assertTrue(token.find(), "the page has a slow-h100-a button");
      HttpClient http = HttpClient.newHttpClient();
      assertEquals(
          403, post(http, url + "demo/act?do=slow-h100-a&token=forged").statusCode(), "forged");
      HttpResponse<String> crossSite =
          http.send(
              HttpRequest.newBuilder(
                      URI.create(url + "demo/act?do=slow-h100-a&token=" + token.group(1)))
                  .header("Origin", "http://evil.example")
                  .timeout(Duration.ofSeconds(10))
                  .POST(HttpRequest.BodyPublishers.noBody())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(403, crossSite.statusCode(), "a post from another origin, token or not");
      assertEquals(2.0, demo.engines().get(0).speed(), 1e-9, "nothing was slowed yet");
      HttpResponse<String> pressed =
          post(http, url + "demo/act?do=slow-h100-a&token=" + token.group(1));
      assertEquals(303, pressed.statusCode(), pressed.body());
      assertEquals(0.3, demo.engines().get(0).speed(), 1e-9);

      Await.until(
          Duration.ofSeconds(150),
          Duration.ofSeconds(2),
          () -> weightLine(fetch(url), h100) < before / 2,
          () -> "h100-a weight line falls below half of " + before);
      String after = run(chromium, url, "--dump-dom");
      assertTrue(weightLine(after, h100) < before / 2, "the browser sees it too");
      assertTrue(after.contains("h100-a slowed down to 0.3x"), "the last action is shown");
    }
  }

  private static boolean acked(dev.llmxds.admin.v1.TypeStatus t) {
    return t != null && !t.getAckedVersion().isEmpty();
  }

  private static HttpResponse<String> post(HttpClient http, String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .POST(HttpRequest.BodyPublishers.noBody())
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static String fetch(String url) {
    try {
      return HttpClient.newHttpClient()
          .send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (Exception e) {
      throw new AssertionError("GET " + url, e);
    }
  }

  /** The most data points of any series of the chart with this id. */
  private static int maxPoints(String page, String chart) {
    int i = page.indexOf("id=\"" + chart + "\"");
    assertTrue(i >= 0, chart + " is on the page");
    String svg = page.substring(i, page.indexOf("</svg>", i));
    int max = 0;
    Matcher m = Pattern.compile("data-points=\"(\\d+)\"").matcher(svg);
    while (m.find()) {
      max = Math.max(max, Integer.parseInt(m.group(1)));
    }
    return max;
  }

  /** The last value of this endpoint's line in llama-weighted's weight chart, or -1. */
  private static double weightLine(String page, int port) {
    int i = page.indexOf("llama-weighted: published weight per endpoint");
    if (i < 0) {
      return -1;
    }
    String svg = page.substring(i, page.indexOf("</svg>", i));
    Matcher m =
        Pattern.compile(
                "data-series=\"[^\"]*127\\.0\\.0\\.1:"
                    + port
                    + "\" data-points=\"\\d+\" data-last=\"([0-9.]+)\"")
            .matcher(svg);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }
}
