package dev.llmxds.admin;

import dev.llmxds.admin.v1.Endpoint;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.Service;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.xds.serve.NodeStatus;
import dev.llmxds.xds.serve.StreamTracker;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The metrics an operator alerts on, as Micrometer meters rendered for Prometheus: connected
 * streams by zone and kind, pushes per type and publish time, NACKs, discovery errors and the age
 * of its last success, scrapes and their errors and latency, per-endpoint weight, queue, running
 * and KV usage, per-service queue depth, running and KV usage (an autoscaler's signal), and
 * per-service endpoint counts by health (an alert's "no healthy endpoint").
 */
public final class LlmXdsMetrics {
  private final AdminSource source;
  private final AdminViews views;
  private final PrometheusMeterRegistry registry;
  private final MultiGauge streams;
  private final MultiGauge endpointWeight;
  private final MultiGauge endpointQueue;
  private final MultiGauge endpointRunning;
  private final MultiGauge endpointKv;
  private final MultiGauge endpointSpeed;
  private final MultiGauge serviceQueue;
  private final MultiGauge serviceRunning;
  private final MultiGauge serviceKv;
  private final MultiGauge serviceEndpoints;

  public LlmXdsMetrics(AdminSource source, AdminViews views) {
    this.source = source;
    this.views = views;
    this.registry = source.registry();
    StreamTracker tracker = source.streams();
    for (String type : List.of("cds", "eds", "lds", "rds")) {
      FunctionCounter.builder("llmxds.xds.pushes", tracker, t -> t.responsesSent(type))
          .description("xDS responses sent")
          .tag("type", type)
          .register(registry);
    }
    FunctionCounter.builder("llmxds.xds.nacks", tracker, t -> t.totalNacks())
        .description("xDS responses rejected by clients")
        .register(registry);
    FunctionTimer.builder(
            "llmxds.publish",
            source,
            s -> s.published().publishes(),
            s -> s.published().publishNanos(),
            TimeUnit.NANOSECONDS)
        .description("publications: projection, validation and hand-off to every watching stream")
        .register(registry);
    FunctionCounter.builder("llmxds.publish.rejected", source, s -> s.published().rejected())
        .description("node-group publications withheld because resources failed validation")
        .register(registry);
    Gauge.builder("llmxds.xds.node.groups", source.nodeGroups(), g -> g.count())
        .description("node groups (client kind, region, zone) the server projects for")
        .register(registry);
    FunctionCounter.builder("llmxds.xds.refused.groups", source.nodeGroups(), g -> g.refused())
        .description("streams refused because xds.maxNodeGroups groups were all held")
        .register(registry);
    FunctionCounter.builder("llmxds.xds.refused.requests", tracker, t -> t.refusedRequests())
        .description("xDS requests refused for oversized or malformed client input")
        .register(registry);
    FunctionCounter.builder("llmxds.discovery.errors", source, s -> s.discovery().errors())
        .description("failed discovery reads")
        .register(registry);
    Gauge.builder(
            "llmxds.discovery.last.success.age", source, s -> age(s.discovery().lastSuccess()))
        .description("seconds since discovery last read a good fleet")
        .baseUnit("seconds")
        .register(registry);
    if (source.scrapes() != null) {
      FunctionCounter.builder("llmxds.scrapes", source, s -> s.scrapes().scrapes())
          .description("engine /metrics scrapes finished")
          .register(registry);
      FunctionCounter.builder("llmxds.scrape.errors", source, s -> s.scrapes().failures())
          .description("engine /metrics scrapes that failed")
          .register(registry);
      FunctionCounter.builder("llmxds.scrapes.skipped", source, s -> s.scrapes().skipped())
          .description(
              "engine /metrics scrapes skipped: the endpoint's last one still running, or no slot")
          .register(registry);
    }
    streams = gauge("llmxds.xds.streams", "connected xDS streams");
    endpointWeight = gauge("llmxds.endpoint.weight", "published EDS weight");
    endpointQueue = gauge("llmxds.endpoint.queue", "requests waiting in the engine");
    endpointRunning = gauge("llmxds.endpoint.running", "requests running in the engine");
    endpointKv = gauge("llmxds.endpoint.kv.usage", "engine KV-cache usage, 0..1");
    endpointSpeed =
        gauge(
            "llmxds.endpoint.decode.tokens.per.second",
            "smoothed per-sequence decode rate the weight uses (generated tokens/s per running"
                + " sequence)");
    serviceQueue = gauge("llmxds.service.queue.depth", "requests waiting, summed over the service");
    serviceRunning = gauge("llmxds.service.running", "requests running, summed over the service");
    serviceKv = gauge("llmxds.service.kv.usage", "mean KV-cache usage of the service, 0..1");
    serviceEndpoints =
        gauge(
            "llmxds.service.endpoints",
            "endpoints of the service by discovered health (healthy, degraded, unhealthy,"
                + " draining); every health is listed, 0 when none");
  }

  private MultiGauge gauge(String name, String description) {
    return MultiGauge.builder(name).description(description).register(registry);
  }

  private static double age(Instant at) {
    return at == null ? Double.NaN : Duration.between(at, Instant.now()).toMillis() / 1000.0;
  }

  /** Updates the per-node, per-endpoint and per-service gauges, then renders everything. */
  public String scrape() {
    refresh();
    return registry.scrape();
  }

  void refresh() {
    Map<Tags, Integer> byZone = new HashMap<>();
    for (NodeStatus n : source.streams().nodes()) {
      Tags tags =
          Tags.of(
              "region", n.locality().region(),
              "zone", n.locality().zone(),
              "kind", n.kind().name().toLowerCase(Locale.ROOT));
      byZone.merge(tags, 1, Integer::sum);
    }
    streams.register(
        byZone.entrySet().stream().map(e -> MultiGauge.Row.of(e.getKey(), e.getValue())).toList(),
        true);
    Fleet fleet = views.fleet();
    List<MultiGauge.Row<?>> weight = new ArrayList<>();
    List<MultiGauge.Row<?>> queue = new ArrayList<>();
    List<MultiGauge.Row<?>> running = new ArrayList<>();
    List<MultiGauge.Row<?>> kv = new ArrayList<>();
    List<MultiGauge.Row<?>> speed = new ArrayList<>();
    List<MultiGauge.Row<?>> sQueue = new ArrayList<>();
    List<MultiGauge.Row<?>> sRunning = new ArrayList<>();
    List<MultiGauge.Row<?>> sKv = new ArrayList<>();
    List<MultiGauge.Row<?>> sEndpoints = new ArrayList<>();
    for (Service s : fleet.getServicesList()) {
      Tags st = Tags.of("service", s.getName());
      Map<String, Integer> byHealth = new LinkedHashMap<>();
      for (EndpointHealth h : EndpointHealth.values()) {
        byHealth.put(h.name(), 0);
      }
      for (Endpoint e : s.getEndpointsList()) {
        byHealth.merge(e.getHealth(), 1, Integer::sum);
      }
      byHealth.forEach(
          (health, n) ->
              sEndpoints.add(
                  MultiGauge.Row.of(st.and("health", health.toLowerCase(Locale.ROOT)), n)));
      sQueue.add(MultiGauge.Row.of(st, s.getQueueDepth()));
      sRunning.add(MultiGauge.Row.of(st, s.getRunning()));
      if (s.hasKvUsage()) {
        sKv.add(MultiGauge.Row.of(st, s.getKvUsage()));
      }
      for (Endpoint e : s.getEndpointsList()) {
        Tags et = st.and("endpoint", e.getId(), "zone", e.getZone());
        weight.add(MultiGauge.Row.of(et, e.getWeight()));
        if (e.hasLoad()) {
          queue.add(MultiGauge.Row.of(et, e.getLoad().getWaiting()));
          running.add(MultiGauge.Row.of(et, e.getLoad().getRunning()));
          if (e.getLoad().hasKvUsage()) {
            kv.add(MultiGauge.Row.of(et, e.getLoad().getKvUsage()));
          }
          if (e.getLoad().hasDecodeTokensPerSecond()) {
            speed.add(MultiGauge.Row.of(et, e.getLoad().getDecodeTokensPerSecond()));
          }
        }
      }
    }
    endpointWeight.register(weight, true);
    endpointQueue.register(queue, true);
    endpointRunning.register(running, true);
    endpointKv.register(kv, true);
    endpointSpeed.register(speed, true);
    serviceQueue.register(sQueue, true);
    serviceRunning.register(sRunning, true);
    serviceKv.register(sKv, true);
    serviceEndpoints.register(sEndpoints, true);
  }
}
