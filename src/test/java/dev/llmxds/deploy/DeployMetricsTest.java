package dev.llmxds.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.llmxds.app.LlmXds;
import dev.llmxds.demo.EngineModel;
import dev.llmxds.demo.FakeEngine;
import dev.llmxds.testing.AdsClient;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestServers;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The operator files name only metrics a running llm-xds exposes: the Grafana dashboard ({@code
 * deploy/grafana/llm-xds-dashboard.json}), the alerting rules ({@code
 * deploy/prometheus/alerts.yml}) and the autoscalers ({@code
 * deploy/kubernetes/keda-scaledobject.yaml}, {@code hpa-vllm.yaml}, {@code
 * prometheus-adapter-llmxds.yaml}).
 *
 * <p>A real server runs in-process, scraping a {@link FakeEngine} under load (so the per-endpoint
 * and per-service gauges, decode speed and KV usage included, exist) and an endpoint that refuses
 * (scrape errors), with one raw ADS stream connected (so {@code llmxds_xds_streams} exists); its
 * admin {@code /metrics} is fetched over HTTP. Every metric name each PromQL expression reads
 * ({@link PromQl}: a tokeniser, not a parser) must be a series name in that scrape, exactly as
 * Micrometer renders it: counters end in {@code _total}, timers have {@code _count}, {@code _sum}
 * and {@code _max}, the scrape timer its {@code {quantile}} rows, and no histogram has {@code
 * _bucket} series.
 *
 * <p>{@code promtool} (which would check rule syntax and evaluate the rules) is not available on
 * this machine, so the rules are checked for shape (alert, expr, for, labels.severity,
 * annotations.summary) and names only: run {@code promtool check rules
 * deploy/prometheus/alerts.yml} where it is installed. Likewise the Kubernetes files are parsed and
 * checked for kind and metric, not applied to a cluster.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DeployMetricsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Series Prometheus makes itself, not llm-xds (the alert on a replica that does not answer). */
  private static final Set<String> PROMETHEUS_OWN = Set.of("up");

  /** Series that exist only once there is load, a scrape, a stream: waited for before checking. */
  private static final List<String> LIVE =
      List.of(
          "llmxds_xds_streams{",
          "llmxds_endpoint_weight{",
          "llmxds_endpoint_queue{",
          "llmxds_endpoint_running{",
          "llmxds_endpoint_kv_usage{",
          "llmxds_endpoint_decode_tokens_per_second{",
          "llmxds_service_queue_depth{",
          "llmxds_service_running{",
          "llmxds_service_kv_usage{",
          "llmxds_service_endpoints{",
          "llmxds_scrape_duration_seconds{quantile=",
          "llmxds_scrape_errors_total ");

  @TempDir static Path dir;
  private static FakeEngine engine;
  private static LlmXds server;
  private static ManagedChannel channel;
  private static AdsClient<DiscoveryRequest, DiscoveryResponse> ads;
  private static String scrape;
  private static Set<String> exposed;

  @BeforeAll
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  static void scrapeARunningServer() throws Exception {
    // a batch of 4, so 12 long requests keep 4 running and 8 waiting for the whole test
    engine =
        new FakeEngine(
            "llama",
            new EngineModel.Spec(4, 8192, 16, 1 << 16, 5, 0.04, 0.00004, 1.0),
            "127.0.0.1",
            0);
    for (int i = 0; i < 12; i++) {
      engine.submit(50, 100_000);
    }
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(
        fleet,
        FleetFiles.yaml(
            "llama",
            List.of(
                Entry.of(engine.port(), "r1", "a"),
                Entry.of(1, "r1", "b"), // nothing listens: scrape errors
                Entry.of(2, "r1", "b").health("draining"))));
    server =
        TestServers.start(TestServers.config(fleet, "load: {interval: 100ms, timeout: 500ms}"));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
    ads = AdsClient.sotw(channel);
    ads.send(
        DiscoveryRequest.newBuilder()
            .setNode(AdsClient.node("dashboard-a", "r1", "a"))
            .setTypeUrl(Resources.V3.CLUSTER_TYPE_URL)
            .build());
    ads.next(WAIT);

    HttpClient http = HttpClient.newHttpClient();
    URI uri = URI.create("http://127.0.0.1:" + server.adminPort() + "/metrics");
    String[] last = {""};
    Await.until(
        WAIT,
        Duration.ofMillis(100),
        () -> {
          last[0] = get(http, uri);
          return LIVE.stream().allMatch(last[0]::contains);
        },
        () ->
            "every live series: missing "
                + LIVE.stream().filter(s -> !last[0].contains(s)).toList()
                + " in\n"
                + last[0]);
    scrape = last[0];
    exposed = seriesNames(scrape);
  }

  private static String get(HttpClient http, URI uri) {
    try {
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      return r.body();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @AfterAll
  static void stop() {
    if (ads != null) {
      ads.close();
    }
    if (channel != null) {
      channel.shutdownNow();
    }
    if (server != null) {
      server.close();
    }
    if (engine != null) {
      engine.close();
    }
  }

  /** The series names of a Prometheus text exposition (sample lines, not comments). */
  static Set<String> seriesNames(String text) {
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]").matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  private static void assertExposed(String where, String expr) {
    Set<String> names = PromQl.metricNames(expr);
    assertFalse(names.isEmpty(), where + " reads no metric: " + expr);
    for (String name : names) {
      assertTrue(
          exposed.contains(name) || PROMETHEUS_OWN.contains(name),
          where + " reads " + name + ", which /metrics does not expose: " + expr);
    }
  }

  @Test
  void tokeniserFindsMetricNamesAndSkipsFunctionsLabelsRangesAndVariables() {
    assertEquals(
        Set.of("llmxds_scrape_errors_total", "llmxds_scrapes_total"),
        PromQl.metricNames(
            "sum by (instance) (rate(llmxds_scrape_errors_total{instance=~\"$instance\",a=\"x(y)\"}"
                + "[$__rate_interval])) / on(instance) group_left sum without (zone)"
                + " (rate(llmxds_scrapes_total[5m] offset 1h)) > 0.2 and 1e-9 < bool inf"));
    assertEquals(
        Set.of("llmxds_xds_streams", "llmxds_xds_node_groups"),
        PromQl.metricNames(
            "(sum(llmxds_xds_streams) or vector(0)) == 0 and on() count(llmxds_xds_node_groups)"));
    assertEquals(
        Set.of("llmxds_publish_seconds_bucket"),
        PromQl.metricNames(
            "histogram_quantile(0.99, sum by (le) (rate(llmxds_publish_seconds_bucket[5m])))"));
    assertEquals(
        Set.of("llmxds_endpoint_weight"),
        PromQl.variableMetricNames(
            "label_values(llmxds_endpoint_weight{service=~\"$service\"}, zone)"));
    assertEquals(Set.of(), PromQl.variableMetricNames("label_values(instance)"));
    assertThrows(IllegalArgumentException.class, () -> PromQl.metricNames("rat(x_total[5m])"));
  }

  @Test
  void theLiveScrapeHasTheNamesAsMicrometerRendersThem() {
    for (String name :
        List.of(
            "llmxds_xds_pushes_total",
            "llmxds_publish_seconds_count",
            "llmxds_publish_seconds_sum",
            "llmxds_scrape_duration_seconds",
            "llmxds_scrape_duration_seconds_count",
            "llmxds_scrape_duration_seconds_max",
            "llmxds_service_endpoints")) {
      assertTrue(exposed.contains(name), name + " in " + exposed);
    }
    // publish time is a function timer: no histogram, so a histogram_quantile over it would be
    // empty, and the check above catches a dashboard that tries
    assertFalse(exposed.contains("llmxds_publish_seconds_bucket"), exposed.toString());
    assertFalse(exposed.contains("llmxds_xds_nacks"), "counters only with _total");
  }

  private static List<JsonNode> panels(JsonNode container) {
    List<JsonNode> out = new ArrayList<>();
    for (JsonNode p : container.path("panels")) {
      out.add(p);
      out.addAll(panels(p)); // a collapsed row holds its panels
    }
    return out;
  }

  @Test
  void everyGrafanaPanelReadsOnlyExposedMetricsAndTheDashboardCoversThemAll() throws Exception {
    JsonNode dash = JSON.readTree(Path.of("deploy/grafana/llm-xds-dashboard.json").toFile());
    assertTrue(dash.path("schemaVersion").asInt() >= 36, "schemaVersion");
    JsonNode input = dash.path("__inputs").get(0);
    assertEquals("DS_PROMETHEUS", input.path("name").asText());
    assertEquals("prometheus", input.path("pluginId").asText());

    Set<String> used = new TreeSet<>();
    Set<Integer> ids = new TreeSet<>();
    int queries = 0;
    for (JsonNode panel : panels(dash)) {
      String title = panel.path("title").asText();
      assertTrue(ids.add(panel.path("id").asInt()), "panel ids unique: " + title);
      assertTrue(panel.path("gridPos").has("w"), title + " has a position");
      if (panel.path("type").asText().equals("row")) {
        continue;
      }
      assertEquals(
          "${DS_PROMETHEUS}", panel.path("datasource").path("uid").asText(), title + " datasource");
      assertTrue(panel.path("targets").size() > 0, title + " has queries");
      for (JsonNode target : panel.path("targets")) {
        String expr = target.path("expr").asText();
        assertExposed("panel '" + title + "'", expr);
        used.addAll(PromQl.metricNames(expr));
        queries++;
      }
    }
    assertTrue(queries >= 30, "queries: " + queries);
    for (JsonNode variable : dash.path("templating").path("list")) {
      JsonNode q = variable.path("query");
      String query = q.isTextual() ? q.asText() : q.path("query").asText();
      for (String name : PromQl.variableMetricNames(query)) {
        assertTrue(exposed.contains(name), "variable " + variable.path("name") + " reads " + name);
      }
    }

    // and the other way: every llm-xds metric family has a panel
    Set<String> families = new TreeSet<>();
    Matcher type = Pattern.compile("(?m)^# TYPE (llmxds_[a-zA-Z0-9_]*) ").matcher(scrape);
    while (type.find()) {
      families.add(type.group(1).replaceFirst("_(total|max)$", ""));
    }
    assertTrue(families.size() >= 20, families.toString());
    for (String family : families) {
      assertTrue(
          used.stream().anyMatch(u -> u.equals(family) || u.startsWith(family + "_")),
          "no panel reads " + family + " (panels read " + used + ")");
    }
  }

  private static List<JsonNode> documents(Path file) throws IOException {
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it =
        new YAMLMapper().readerFor(JsonNode.class).readValues(file.toFile())) {
      while (it.hasNext()) {
        JsonNode n = it.next();
        if (n != null && !n.isNull() && !n.isMissingNode()) {
          docs.add(n);
        }
      }
    }
    return docs;
  }

  @Test
  void everyAlertRuleHasItsFieldsAndReadsOnlyExposedMetrics() throws Exception {
    JsonNode rules = documents(Path.of("deploy/prometheus/alerts.yml")).get(0);
    Map<String, String> exprs = new LinkedHashMap<>();
    for (JsonNode group : rules.path("groups")) {
      assertFalse(group.path("name").asText().isEmpty(), "group name");
      for (JsonNode rule : group.path("rules")) {
        String alert = rule.path("alert").asText();
        assertFalse(alert.isEmpty(), "alerting rule without a name: " + rule);
        String expr = rule.path("expr").asText();
        assertFalse(expr.isBlank(), alert + " expr");
        assertTrue(
            rule.path("for").asText().matches("(\\d+(ms|s|m|h|d|w|y))+"),
            alert + " for: " + rule.path("for"));
        assertTrue(
            Set.of("critical", "warning", "info")
                .contains(rule.path("labels").path("severity").asText()),
            alert + " severity: " + rule.path("labels"));
        assertFalse(
            rule.path("annotations").path("summary").asText().isBlank(), alert + " summary");
        assertExposed("alert " + alert, expr);
        assertTrue(exprs.put(alert, expr) == null, "alert names unique: " + alert);
      }
    }
    // what issue 18 asks the rules to catch, each by the metric that tells it
    Map<String, String> readsFor =
        Map.of(
            "NACKs increasing", "llmxds_xds_nacks_total",
            "stale discovery", "llmxds_discovery_last_success_age_seconds",
            "scrape failures", "llmxds_scrape_errors_total",
            "a service with no healthy endpoint", "llmxds_service_endpoints",
            "publications rejected", "llmxds_publish_rejected_total",
            "no xDS streams", "llmxds_xds_streams");
    readsFor.forEach(
        (what, metric) ->
            assertTrue(
                exprs.values().stream().anyMatch(e -> PromQl.metricNames(e).contains(metric)),
                "an alert for " + what + " reads " + metric));
    assertTrue(
        exprs.values().stream()
            .anyMatch(e -> e.contains("llmxds_scrapes_total") && e.contains("/")),
        "scrape failures are a ratio of all scrapes");
  }

  private static final String QUEUE = "llmxds_service_queue_depth";

  @Test
  void kedaAndHpaScaleAVllmDeploymentOnTheServiceQueueDepth() throws Exception {
    List<JsonNode> keda = documents(Path.of("deploy/kubernetes/keda-scaledobject.yaml"));
    assertEquals(1, keda.size());
    JsonNode so = keda.get(0);
    assertEquals("keda.sh/v1alpha1", so.path("apiVersion").asText());
    assertEquals("ScaledObject", so.path("kind").asText());
    JsonNode target = so.path("spec").path("scaleTargetRef");
    assertEquals("Deployment", target.path("kind").asText());
    assertTrue(so.path("spec").path("minReplicaCount").asInt() >= 1, "no scale to zero");
    JsonNode trigger = so.path("spec").path("triggers").get(0);
    assertEquals("prometheus", trigger.path("type").asText());
    String query = trigger.path("metadata").path("query").asText();
    assertExposed("KEDA query", query);
    assertEquals(Set.of(QUEUE), PromQl.metricNames(query));
    assertTrue(query.contains("service=\""), "one service: " + query);
    assertTrue(trigger.path("metadata").path("threshold").asDouble() > 0, "threshold");
    assertTrue(
        trigger.path("metadata").path("serverAddress").asText().startsWith("http"),
        "serverAddress");

    List<JsonNode> hpaDocs = documents(Path.of("deploy/kubernetes/hpa-vllm.yaml"));
    assertEquals(1, hpaDocs.size());
    JsonNode hpa = hpaDocs.get(0);
    assertEquals("autoscaling/v2", hpa.path("apiVersion").asText());
    assertEquals("HorizontalPodAutoscaler", hpa.path("kind").asText());
    assertEquals(target, hpa.path("spec").path("scaleTargetRef"), "scales what KEDA scales");
    JsonNode metric = hpa.path("spec").path("metrics").get(0);
    assertEquals("External", metric.path("type").asText());
    String hpaMetric = metric.path("external").path("metric").path("name").asText();
    assertEquals(QUEUE, hpaMetric);
    assertTrue(exposed.contains(hpaMetric));
    assertFalse(
        metric
            .path("external")
            .path("metric")
            .path("selector")
            .path("matchLabels")
            .path("service")
            .asText()
            .isEmpty(),
        "selects one service");
    assertEquals("AverageValue", metric.path("external").path("target").path("type").asText());

    // the prometheus-adapter rule that serves that external metric
    JsonNode configMap =
        documents(Path.of("deploy/kubernetes/prometheus-adapter-llmxds.yaml")).get(0);
    assertEquals("ConfigMap", configMap.path("kind").asText());
    JsonNode adapter =
        new YAMLMapper().readTree(configMap.path("data").path("config.yaml").asText());
    JsonNode rule = adapter.path("externalRules").get(0);
    assertEquals(hpaMetric, rule.path("name").path("as").asText());
    assertFalse(rule.path("resources").path("namespaced").asBoolean(true), "namespaced: false");
    assertExposed("adapter seriesQuery", rule.path("seriesQuery").asText());
    String metricsQuery =
        rule.path("metricsQuery")
            .asText()
            .replace("<<.Series>>", QUEUE)
            .replace("<<.LabelMatchers>>", "service=\"llama\"");
    assertExposed("adapter metricsQuery", metricsQuery);
  }

  @Test
  void readmeListsTheOperatorFiles() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    for (String file :
        List.of(
            "deploy/grafana/llm-xds-dashboard.json",
            "deploy/prometheus/alerts.yml",
            "deploy/kubernetes/keda-scaledobject.yaml",
            "deploy/kubernetes/hpa-vllm.yaml",
            "deploy/kubernetes/prometheus-adapter-llmxds.yaml")) {
      assertTrue(readme.contains(file), "README lists " + file);
    }
  }
}
