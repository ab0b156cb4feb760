package dev.llmxds.discovery.consul;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmxds.config.ConsulConfig;
import dev.llmxds.discovery.DiscoveryStatus;
import dev.llmxds.discovery.FleetListener;
import dev.llmxds.discovery.FleetSource;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.util.DaemonThreads;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fleet from Consul: a blocking watch on the catalog picks the inference services (by tag), and a
 * blocking watch per service follows its instances and their health. Whatever fails — Consul down,
 * 5xx, 403, a slow or malformed answer — the last known-good instances stay and the error is
 * recorded; an instance or service missing from a successful answer is removed. The first fleet is
 * delivered once the catalog and every selected service have been read.
 */
public final class ConsulFleetSource implements FleetSource {
  private static final Logger log = LoggerFactory.getLogger(ConsulFleetSource.class);

  private final ConsulConfig config;
  private final Clock clock;
  private final ConsulHttp http;
  private final ConsulMapper mapper;
  private final ScheduledExecutorService scheduler;
  private final Map<String, BlockingWatch> watches = new HashMap<>();
  private final Map<String, Map<String, ConsulMapper.Instance>> instances = new TreeMap<>();
  private final Set<String> unread = new HashSet<>();
  private volatile DiscoveryStatus status;
  private FleetListener listener;
  private BlockingWatch catalog;
  private boolean catalogRead;
  private Fleet lastFleet;
  private String lastProblems = "";

  public ConsulFleetSource(ConsulConfig config, Clock clock, Map<String, String> env) {
    this.config = config;
    this.clock = clock;
    this.http = new ConsulHttp(config, config.resolveToken(env));
    this.mapper = new ConsulMapper(config);
    this.status = DiscoveryStatus.starting("consul:" + config.address());
    this.scheduler = DaemonThreads.scheduler("consul-watch");
  }

  private BlockingWatch watch(String path, BlockingWatch.Listener l) {
    return new BlockingWatch(
        path,
        http,
        scheduler,
        config.minInterval(),
        new Backoff(
            config.errorBackoff(),
            config.maxErrorBackoff(),
            () -> ThreadLocalRandom.current().nextDouble()),
        System::nanoTime,
        l);
  }

  @Override
  public synchronized void start(FleetListener fleetListener) {
    this.listener = fleetListener;
    log.info(
        "watching Consul at {} for services tagged '{}'{}",
        config.address(),
        config.tag(),
        config.datacenter() == null ? "" : " in datacenter " + config.datacenter());
    catalog =
        watch(
            "/v1/catalog/services",
            new BlockingWatch.Listener() {
              @Override
              public void onAnswer(JsonNode body, boolean changed) {
                onCatalog(body);
              }

              @Override
              public void onError(String error) {
                failed(error);
              }
            });
    catalog.start();
  }

  private synchronized void onCatalog(JsonNode body) {
    List<String> selected = mapper.selectServices(body);
    catalogRead = true;
    for (String name : selected) {
      if (!watches.containsKey(name)) {
        unread.add(name);
        BlockingWatch w =
            watch("/v1/health/service/" + ConsulHttp.enc(name), serviceListener(name));
        watches.put(name, w);
        w.start();
      }
    }
    for (String name : List.copyOf(watches.keySet())) {
      if (!selected.contains(name)) {
        log.info("Consul service {} is gone from the catalog: removing it", name);
        watches.remove(name).close();
        instances.remove(name);
        unread.remove(name);
      }
    }
    succeeded();
  }

  private BlockingWatch.Listener serviceListener(String name) {
    return new BlockingWatch.Listener() {
      @Override
      public void onAnswer(JsonNode body, boolean changed) {
        onHealth(name, body);
      }

      @Override
      public void onError(String error) {
        failed(error);
      }
    };
  }

  private synchronized void onHealth(String service, JsonNode body) {
    if (!watches.containsKey(service)) {
      return;
    }
    ConsulMapper.Result result = mapper.mapHealth(service, body);
    Map<String, ConsulMapper.Instance> previous = instances.getOrDefault(service, Map.of());
    Map<String, ConsulMapper.Instance> next = new LinkedHashMap<>(result.instances());
    result
        .problems()
        .forEach(
            (id, problem) -> {
              ConsulMapper.Instance kept = previous.get(id);
              if (kept != null) {
                next.put(id, kept);
              }
            });
    instances.put(service, next);
    unread.remove(service);
    String problems =
        result.problems().isEmpty()
            ? ""
            : "service " + service + ": cannot use " + result.problems();
    if (!problems.isEmpty() && !problems.equals(lastProblems)) {
      log.warn("{} (keeping their last known state)", problems);
    }
    lastProblems = problems;
    succeeded();
  }

  private void succeeded() {
    status = status.succeeded(clock.instant());
    if (catalogRead && unread.isEmpty()) {
      emit();
    }
  }

  private void emit() {
    Map<String, List<ConsulMapper.Instance>> byCluster = new TreeMap<>();
    for (Map<String, ConsulMapper.Instance> service : instances.values()) {
      for (ConsulMapper.Instance i : service.values()) {
        byCluster.computeIfAbsent(i.cluster(), k -> new ArrayList<>()).add(i);
      }
    }
    Fleet fleet;
    try {
      List<InferenceService> services = new ArrayList<>();
      byCluster.forEach(
          (cluster, list) -> {
            Set<String> models = new LinkedHashSet<>();
            Map<String, Endpoint> endpoints = new LinkedHashMap<>();
            for (ConsulMapper.Instance i : list) {
              models.addAll(i.models());
              Endpoint dup = endpoints.putIfAbsent(i.endpoint().id(), i.endpoint());
              if (dup != null) {
                log.warn(
                    "Consul: {} registered twice in {}; using the first",
                    i.endpoint().id(),
                    cluster);
              }
            }
            services.add(
                new InferenceService(
                    cluster, List.copyOf(models), List.copyOf(endpoints.values())));
          });
      fleet = Fleet.of(services);
    } catch (IllegalArgumentException e) {
      failed("Consul registrations are inconsistent: " + e.getMessage());
      return;
    }
    if (!fleet.equals(lastFleet)) {
      lastFleet = fleet;
      listener.onFleet(fleet);
    }
  }

  private synchronized void failed(String error) {
    DiscoveryStatus before = status;
    status = status.failed(clock.instant(), error);
    if (!before.failing() || !error.equals(before.lastError())) {
      log.warn("Consul: {}; retrying, the last known-good fleet stays published", error);
    }
  }

  @Override
  public DiscoveryStatus status() {
    return status;
  }

  @Override
  public synchronized void close() {
    if (catalog != null) {
      catalog.close();
    }
    watches.values().forEach(BlockingWatch::close);
    scheduler.shutdownNow();
  }
}
