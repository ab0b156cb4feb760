package dev.llmxds.discovery.consul;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmxds.config.ConsulConfig;
import dev.llmxds.discovery.DiscoveryStatus;
import dev.llmxds.discovery.FleetAssembler;
import dev.llmxds.discovery.FleetListener;
import dev.llmxds.discovery.FleetSource;
import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.util.DaemonThreads;
import dev.llmxds.util.RepeatLimiter;
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
 * delivered once the catalog and every selected service have been read. A registration that cannot
 * be used (a cluster name that is not a valid name, a model name another service claims) is skipped
 * and reported (see {@link FleetAssembler}); the rest flows. A catalog that suddenly lists nothing
 * usable after a non-empty fleet keeps the last good fleet and is an error, unless {@code
 * allowEmpty}.
 */
public final class ConsulFleetSource implements FleetSource {
  private static final Logger log = LoggerFactory.getLogger(ConsulFleetSource.class);

  /** Repeated identical WARN lines: the first, then at most one per interval with a count. */
  static final java.time.Duration LOG_INTERVAL = java.time.Duration.ofSeconds(30);

  /** The discovery status lists at most this many skipped entries. */
  static final int MAX_SKIPPED_SHOWN = 100;

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
  private boolean emitQueued;
  private final Map<String, List<String>> instanceProblems = new HashMap<>();
  private final RepeatLimiter warnLimiter = new RepeatLimiter(LOG_INTERVAL, System::nanoTime);
  private Set<String> reported = Set.of();
  private Fleet lastFleet;

  public ConsulFleetSource(ConsulConfig config, Clock clock, Map<String, String> env) {
    this.config = config;
    this.clock = clock;
    this.scheduler = DaemonThreads.scheduler("consul-watch");
    this.http = new ConsulHttp(config, config.resolveToken(env), scheduler);
    this.mapper = new ConsulMapper(config);
    this.status = DiscoveryStatus.starting("consul:" + config.address());
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
        log.info(
            "Consul service {} is gone from the catalog: removing it",
            FleetAssembler.shown(name, 80));
        watches.remove(name).close();
        instances.remove(name);
        instanceProblems.remove(name);
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
    List<String> problems = new ArrayList<>();
    result
        .problems()
        .forEach(
            (id, problem) -> {
              ConsulMapper.Instance kept = previous.get(id);
              if (kept != null) {
                next.put(id, kept);
              }
              problems.add(
                  "instance "
                      + FleetAssembler.shown(id, 80)
                      + " of service "
                      + FleetAssembler.shown(service, 80)
                      + (kept != null ? " keeps its last known state: " : " skipped: ")
                      + FleetAssembler.shown(problem, 200));
            });
    instances.put(service, next);
    instanceProblems.put(service, problems);
    unread.remove(service);
    succeeded();
  }

  /**
   * An answer was taken in. Once everything has been read, one publication is queued behind the
   * answers already waiting on the watch thread, so a burst of answers (start-up, a zone's checks
   * failing together) rebuilds the fleet once, not once per answer.
   */
  private void succeeded() {
    if (catalogRead && unread.isEmpty()) {
      if (!emitQueued && !scheduler.isShutdown()) {
        emitQueued = true;
        try {
          scheduler.execute(this::emitQueued);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
          emitQueued = false;
        }
      }
      return;
    }
    status = status.succeeded(clock.instant());
  }

  private synchronized void emitQueued() {
    emitQueued = false;
    if (!catalogRead || !unread.isEmpty() || listener == null) {
      return;
    }
    String error = emit();
    if (error != null) {
      failed(error);
      return;
    }
    status = status.succeeded(clock.instant());
  }

  /** Publishes the fleet read so far, skipping what cannot be used; the error, or null. */
  private String emit() {
    Map<String, List<ConsulMapper.Instance>> byCluster = new TreeMap<>();
    for (Map<String, ConsulMapper.Instance> service : instances.values()) {
      for (ConsulMapper.Instance i : service.values()) {
        byCluster.computeIfAbsent(i.cluster(), k -> new ArrayList<>()).add(i);
      }
    }
    List<String> problems = new ArrayList<>();
    instanceProblems.values().forEach(problems::addAll);
    List<FleetAssembler.Candidate> candidates = new ArrayList<>();
    byCluster.forEach(
        (cluster, list) -> {
          Set<String> models = new LinkedHashSet<>();
          Map<String, Endpoint> endpoints = new LinkedHashMap<>();
          for (ConsulMapper.Instance i : list) {
            models.addAll(i.models());
            Endpoint dup = endpoints.putIfAbsent(i.endpoint().id(), i.endpoint());
            if (dup != null) {
              problems.add(
                  "instance "
                      + FleetAssembler.shown(i.id(), 80)
                      + " skipped: "
                      + i.endpoint().id()
                      + " is registered twice in "
                      + FleetAssembler.shown(cluster, 80)
                      + "; the first is used");
            }
          }
          candidates.add(
              new FleetAssembler.Candidate(
                  cluster,
                  List.copyOf(models),
                  List.copyOf(endpoints.values()),
                  affinity(cluster, list, problems)));
        });
    FleetAssembler.Result result = FleetAssembler.assemble(candidates);
    problems.addAll(result.problems());
    report(problems);
    Fleet fleet = result.fleet();
    if (fleet.services().isEmpty()
        && lastFleet != null
        && !lastFleet.services().isEmpty()
        && !config.allowEmpty()) {
      return "the catalog lists no usable inference service (tag '"
          + config.tag()
          + "') where there were "
          + lastFleet.services().size()
          + "; keeping the last good fleet (discovery.consul.allowEmpty: true publishes an empty"
          + " fleet)";
    }
    if (!fleet.equals(lastFleet)) {
      lastFleet = fleet;
      listener.onFleet(fleet);
    }
    return null;
  }

  /**
   * The affinity of a cluster: that of its first instance carrying {@code llm-xds-affinity*} meta
   * (null when none does); instances that say otherwise are reported.
   */
  private static Affinity affinity(
      String cluster, List<ConsulMapper.Instance> list, List<String> problems) {
    ConsulMapper.Instance from = null;
    for (ConsulMapper.Instance i : list) {
      if (i.affinity() == null) {
        continue;
      }
      if (from == null) {
        from = i;
      } else if (!from.affinity().equals(i.affinity())) {
        problems.add(
            "instance "
                + FleetAssembler.shown(i.id(), 80)
                + ": its llm-xds-affinity meta differs from instance "
                + FleetAssembler.shown(from.id(), 80)
                + " of "
                + FleetAssembler.shown(cluster, 80)
                + "; the first is used");
      }
    }
    return from == null ? null : from.affinity();
  }

  /** Logs each problem once, when it first appears, and shows the current ones in the status. */
  private void report(List<String> problems) {
    Set<String> now = new LinkedHashSet<>(problems);
    for (String p : now) {
      if (!reported.contains(p)) {
        log.warn("Consul: {}", p);
      }
    }
    for (String p : reported) {
      if (!now.contains(p)) {
        log.info("Consul: resolved: {}", p);
      }
    }
    reported = now;
    List<String> shown = new ArrayList<>(now);
    if (shown.size() > MAX_SKIPPED_SHOWN) {
      int more = shown.size() - MAX_SKIPPED_SHOWN;
      shown = new ArrayList<>(shown.subList(0, MAX_SKIPPED_SHOWN));
      shown.add("… and " + more + " more (see the log)");
    }
    status = status.withSkipped(shown);
  }

  private synchronized void failed(String error) {
    DiscoveryStatus before = status;
    status = status.failed(clock.instant(), error);
    if (!before.failing() || !error.equals(before.lastError())) {
      long suppressed = warnLimiter.admit(errorKind(error));
      if (suppressed != RepeatLimiter.SUPPRESS) {
        log.warn(
            "Consul: {}; retrying, the last known-good fleet stays published{}",
            error,
            warnLimiter.suffix(suppressed));
      }
    }
  }

  /** The error without the path it happened on: one outage seen by many watches is one kind. */
  static String errorKind(String error) {
    return error.replaceFirst("^/v1/[^ ]*: ", "");
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
