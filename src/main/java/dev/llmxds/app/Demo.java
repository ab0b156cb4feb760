package dev.llmxds.app;

import dev.llmxds.admin.DemoPanel;
import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.demo.DemoStats;
import dev.llmxds.demo.EngineModel;
import dev.llmxds.demo.FakeEngine;
import dev.llmxds.demo.SidecarTraffic;
import dev.llmxds.util.DaemonThreads;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A whole llm-xds on one machine, telling its story: fake vLLM engines of mixed speeds in three
 * zones of two regions, a fleet file naming them, llm-xds watching it, and simulated Envoy sidecars
 * that are real xDS clients of it ({@link DemoSidecar}: ADS, CDS + EDS, every response ACKed),
 * eight per zone. Each sidecar balances its own requests with Envoy's weighted least request over
 * the endpoints and weights it received. There are two identical fleets of six GPUs (two services,
 * {@code llama-weighted} and {@code llama-plain}): half of the sidecars ("llm-xds weights") send to
 * the first and use the weights, the other half ("plain least request") send the same traffic to
 * the twin and ignore the weights, as a cluster without llm-xds would; so each group's queues and
 * latency are its own. The engines are small (four sequences per batch) so that the offered load
 * matters: under plain least request the slow GPUs get more than they can serve and queue. The
 * admin page shows the two groups' time to first token side by side, and its buttons slow a GPU
 * down, drain a zone or add a GPU (in both fleets). Everything listens on loopback.
 */
public final class Demo implements AutoCloseable {
  /** One simulated GPU server. */
  public record Gpu(String name, String region, String zone, double speed, int weight) {}

  public static final List<Gpu> FLEET =
      List.of(
          new Gpu("h100-a", "us-east", "us-east-1a", 2.0, 2),
          new Gpu("a100-a", "us-east", "us-east-1a", 1.0, 1),
          new Gpu("a100-b1", "us-east", "us-east-1b", 1.0, 1),
          new Gpu("l40s-b2", "us-east", "us-east-1b", 0.6, 1),
          new Gpu("a100-c1", "eu-west", "eu-west-1a", 1.0, 1),
          new Gpu("a10-c2", "eu-west", "eu-west-1a", 0.4, 1));

  /**
   * The demo's engine: the reference GPU model with a small batch (4 sequences) and a heavier step
   * (20 ms, a bigger model), so that a speed-1 GPU serves about 2.5 of the demo's requests a second
   * (80 tokens on average), a fleet of six about 15, and two dozen requests a second load both
   * fleets without loading the machine.
   */
  public static final EngineModel.Spec SPEC =
      new EngineModel.Spec(4, 8192, 16, 10_000, 20.0, 0.04, 0.00004, 1.0);

  public static final String MODEL = "meta-llama/Llama-3.1-8B-Instruct";
  public static final String WEIGHTED = "llm-xds weights";
  public static final String PLAIN = "plain least request";

  /**
   * The two identical fleets: the first serves the sidecars that use llm-xds weights, its twin
   * those that ignore them, so each group's queues and latency are its own.
   */
  public static final Map<String, String> SERVICE_OF_GROUP =
      Map.of(WEIGHTED, "llama-weighted", PLAIN, "llama-plain");

  /** The model name each twin serves (a model belongs to one service). */
  private static final Map<String, String> MODEL_OF_SERVICE =
      Map.of("llama-weighted", MODEL, "llama-plain", MODEL + "-twin");

  /** Sidecars per zone and group. */
  static final int SIDECARS_PER_GROUP_AND_ZONE = 4;

  /** GPUs the "add a GPU" button may add. */
  static final int MAX_ADDED = 4;

  private record Entry(String service, Gpu gpu, FakeEngine engine, boolean draining) {
    Entry withDraining(boolean d) {
      return new Entry(service, gpu, engine, d);
    }
  }

  private final List<Entry> entries = new CopyOnWriteArrayList<>();
  private final Path fleetFile;
  private final LlmXds server;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final DemoStats stats = new DemoStats(List.of(WEIGHTED, PLAIN));
  private final List<DemoSidecar> sidecars = new ArrayList<>();

  /** One timer for the stats, every sidecar's arrivals and every ADS re-connection. */
  private final ScheduledExecutorService timer = DaemonThreads.scheduler("demo-sidecars");

  private volatile String lastAction = "";

  private Demo(int xdsPort, int adminPort, double requestsPerSecond) throws IOException {
    for (String service : List.of("llama-weighted", "llama-plain")) {
      for (Gpu gpu : FLEET) {
        entries.add(new Entry(service, gpu, engine(service, gpu.speed()), false));
      }
    }
    Path dir = Files.createTempDirectory("llm-xds-demo");
    fleetFile = dir.resolve("fleet.yaml");
    writeFleet();
    LlmXdsConfig config =
        ConfigLoader.parse(
            """
            xds: {host: 127.0.0.1, port: %d}
            admin: {host: 127.0.0.1, port: %d}
            discovery: {file: {path: %s}}
            """
                .formatted(xdsPort, adminPort, fleetFile),
            dir);
    server = LlmXds.start(config, Clock.systemUTC());
    startSidecars(requestsPerSecond);
    timer.scheduleAtFixedRate(() -> stats.roll(System.currentTimeMillis()), 2, 2, TimeUnit.SECONDS);
    server.demoPanel(new Panel());
  }

  public static Demo start(int xdsPort, int adminPort, double requestsPerSecond)
      throws IOException {
    return new Demo(xdsPort, adminPort, requestsPerSecond);
  }

  private static FakeEngine engine(String service, double speed) {
    return new FakeEngine(MODEL_OF_SERVICE.get(service), SPEC.withSpeed(speed), "127.0.0.1", 0);
  }

  /**
   * Eight sidecars per zone, four per group, each zone's share of the rate in proportion to its
   * GPUs' speed (a zone's sidecars send to their own zone: priority 0 of what llm-xds gives them).
   */
  private void startSidecars(double requestsPerSecond) {
    Map<String, String> zones = new LinkedHashMap<>();
    Map<String, Double> zoneSpeed = new LinkedHashMap<>();
    double total = 0;
    for (Gpu g : FLEET) {
      zones.put(g.zone(), g.region());
      zoneSpeed.merge(g.zone(), g.speed(), Double::sum);
      total += g.speed();
    }
    long seed = 1;
    for (Map.Entry<String, String> z : zones.entrySet()) {
      double perSidecar =
          requestsPerSecond * zoneSpeed.get(z.getKey()) / total / (2 * SIDECARS_PER_GROUP_AND_ZONE);
      for (String group : List.of(WEIGHTED, PLAIN)) {
        for (int i = 1; i <= SIDECARS_PER_GROUP_AND_ZONE; i++) {
          String id =
              "sidecar-"
                  + z.getKey()
                  + "-"
                  + (group.equals(WEIGHTED) ? "weighted" : "plain")
                  + "-"
                  + i;
          SidecarTraffic traffic =
              new SidecarTraffic(
                  id, group, group.equals(WEIGHTED), perSidecar, http, stats, timer, seed++ * 7919);
          sidecars.add(
              new DemoSidecar(
                      id,
                      z.getValue(),
                      z.getKey(),
                      "127.0.0.1",
                      server.xdsPort(),
                      SERVICE_OF_GROUP.get(group),
                      traffic.start(),
                      timer)
                  .start());
        }
      }
    }
  }

  /** Writes the fleet file afresh and moves it into place in one rename. */
  private synchronized void writeFleet() throws IOException {
    StringBuilder yaml = new StringBuilder("services:\n");
    for (String service : List.of("llama-weighted", "llama-plain")) {
      yaml.append("  - name: ")
          .append(service)
          .append("\n    models: [")
          .append(MODEL_OF_SERVICE.get(service))
          .append(", ")
          .append(service.equals("llama-weighted") ? "llama-3-8b" : "llama-3-8b-twin")
          .append("]\n    endpoints:\n");
      for (Entry e : entries) {
        if (e.service().equals(service)) {
          endpoint(yaml, e);
        }
      }
    }
    Path tmp = fleetFile.resolveSibling("fleet.yaml.tmp");
    Files.writeString(tmp, yaml.toString());
    Files.move(tmp, fleetFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void endpoint(StringBuilder yaml, Entry e) {
    {
      Gpu gpu = e.gpu();
      yaml.append(
          String.format(
              Locale.ROOT,
              "      - {address: 127.0.0.1, port: %d, region: %s, zone: %s, weight: %d, health: %s,"
                  + " engine: vllm}  # %s, speed %.1f\n",
              e.engine().port(),
              gpu.region(),
              gpu.zone(),
              gpu.weight(),
              e.draining() ? "draining" : "healthy",
              gpu.name(),
              e.engine().speed()));
    }
  }

  /** The demo's buttons. */
  private final class Panel implements DemoPanel {
    @Override
    public View view() {
      Map<String, String> names = new LinkedHashMap<>();
      for (Entry e : entries) {
        names.put(
            "127.0.0.1:" + e.engine().port(),
            String.format(
                Locale.ROOT,
                "%s (%.1fx, %s%s)",
                e.gpu().name(),
                e.engine().speed(),
                e.gpu().zone(),
                e.draining() ? ", draining" : ""));
      }
      List<Point> points = new ArrayList<>();
      for (DemoStats.Point p : stats.points()) {
        Map<String, GroupPoint> groups = new LinkedHashMap<>();
        p.groups()
            .forEach(
                (g, gp) ->
                    groups.put(
                        g,
                        new GroupPoint(
                            gp.p50(), gp.p99(), gp.requests(), gp.failed(), gp.byEndpoint())));
        points.add(new Point(p.epochMillis(), groups));
      }
      int perGroup = sidecars.size() / 2;
      return new View(
          "Twenty-four simulated Envoy sidecars, eight per zone, are real xDS clients of this server"
              + " (see the connected nodes below: CDS and EDS ACKed). Each balances its own"
              + " requests with Envoy's weighted least request over the GPUs of its zone. There"
              + " are two identical fleets of six GPUs (2x down to 0.4x): the sidecars of"
              + " llama-weighted use the weights llm-xds publishes, those of llama-plain ignore them"
              + " (plain least request, as without llm-xds). Both get the same traffic: compare"
              + " their time to first token, where their requests go and the queues of their"
              + " slower GPUs. Slow a GPU down, drain a zone or add a GPU (in both fleets) and watch"
              + " the weights follow the queues.",
          List.of(
              new Group(
                  WEIGHTED,
                  "llama-weighted: Envoy weighted least request over llm-xds weights",
                  perGroup),
              new Group(PLAIN, "llama-plain: Envoy least request, weights ignored", perGroup)),
          points,
          names,
          actions(),
          lastAction);
    }

    private List<Action> actions() {
      List<Action> out = new ArrayList<>();
      for (String name : List.of("h100-a", "a100-c1")) {
        out.add(new Action("slow-" + name, "Slow " + name + " to 0.3x"));
      }
      out.add(new Action("restore", "Restore every GPU's speed"));
      out.add(new Action("drain-us-east-1b", "Drain zone us-east-1b"));
      out.add(new Action("undrain", "Undrain every zone"));
      out.add(new Action("add-eu-west-1a", "Add a GPU (1.0x) in eu-west-1a"));
      return out;
    }

    @Override
    public String act(String id) {
      String done = Demo.this.act(id);
      lastAction = done;
      return done;
    }
  }

  /** Runs a button's action; public for tests and scripts. */
  public synchronized String act(String id) {
    try {
      if (id.startsWith("slow-")) {
        String name = id.substring("slow-".length());
        for (Entry e : twins(name)) {
          e.engine().setSpeed(0.3);
        }
        writeFleet();
        return name + " slowed down to 0.3x";
      }
      switch (id) {
        case "restore" -> {
          for (Entry e : entries) {
            e.engine().setSpeed(e.gpu().speed());
          }
          writeFleet();
          return "every GPU back at its own speed";
        }
        case "drain-us-east-1b" -> {
          entries.replaceAll(e -> e.withDraining(e.gpu().zone().equals("us-east-1b")));
          writeFleet();
          return "us-east-1b draining: its sidecars fail over to the rest of us-east";
        }
        case "undrain" -> {
          entries.replaceAll(e -> e.withDraining(false));
          writeFleet();
          return "no zone draining";
        }
        case "add-eu-west-1a" -> {
          int added = entries.size() / 2 - FLEET.size();
          if (added >= MAX_ADDED) {
            return "not added: the demo adds at most " + MAX_ADDED + " GPUs";
          }
          String name = "a100-c" + (added + 3);
          Gpu gpu = new Gpu(name, "eu-west", "eu-west-1a", 1.0, 1);
          for (String service : List.of("llama-weighted", "llama-plain")) {
            entries.add(new Entry(service, gpu, engine(service, 1.0), false));
          }
          writeFleet();
          return name + " (1.0x) added in eu-west-1a";
        }
        default -> throw new IllegalArgumentException("no such action: " + id);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot write the fleet file", e);
    }
  }

  /** The GPU of this name in both fleets. */
  private List<Entry> twins(String name) {
    List<Entry> out = entries.stream().filter(e -> e.gpu().name().equals(name)).toList();
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no such GPU: " + name);
    }
    return out;
  }

  /** The port of GPU {@code gpu} in fleet {@code service} ("llama-weighted" or "llama-plain"). */
  public int port(String service, String gpu) {
    for (Entry e : entries) {
      if (e.service().equals(service) && e.gpu().name().equals(gpu)) {
        return e.engine().port();
      }
    }
    throw new IllegalArgumentException("no GPU " + gpu + " in " + service);
  }

  public LlmXds server() {
    return server;
  }

  public Path fleetFile() {
    return fleetFile;
  }

  public List<FakeEngine> engines() {
    return entries.stream().map(Entry::engine).toList();
  }

  /** The sidecar groups' latency and routing history. */
  public DemoStats stats() {
    return stats;
  }

  /** Node ids of the demo's sidecars. */
  public List<String> sidecarIds() {
    return sidecars.stream().map(DemoSidecar::nodeId).toList();
  }

  @Override
  public void close() {
    timer.shutdownNow();
    sidecars.forEach(DemoSidecar::close);
    server.close();
    entries.forEach(e -> e.engine().close());
  }
}
