package dev.llmxds.discovery.consul;

import com.fasterxml.jackson.databind.JsonNode;
import dev.llmxds.config.AffinityConfig;
import dev.llmxds.config.ConfigException;
import dev.llmxds.config.ConsulConfig;
import dev.llmxds.config.Durations;
import dev.llmxds.discovery.Affinities;
import dev.llmxds.fleet.Affinity;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Engine;
import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.Locality;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Pure mapping of Consul answers to endpoints. One {@code /v1/health/service/<name>} entry (Node,
 * Service, Checks) becomes one {@link Instance}: address (service address, else node address),
 * port, locality (Service.Locality, else service meta {@code region}/{@code zone}, else node meta),
 * static weight ({@code Weights.Passing}, or {@code Weights.Warning} when DEGRADED), health
 * (aggregated checks; maintenance → DRAINING), backup (tag {@code backup} or meta {@code
 * llm-xds-backup=true}), engine and metrics port/path from meta, cluster name and model names from
 * meta.
 */
final class ConsulMapper {
  static final String META_CLUSTER = "llm-xds-cluster";
  static final String META_MODELS = "llm-xds-models";
  static final String META_BACKUP = "llm-xds-backup";
  static final String META_ENGINE = "llm-xds-engine";
  static final String META_METRICS_PORT = "llm-xds-metrics-port";
  static final String META_METRICS_PATH = "llm-xds-metrics-path";
  static final String META_AFFINITY = "llm-xds-affinity";
  static final String META_AFFINITY_HEADER = "llm-xds-affinity-header";
  static final String META_AFFINITY_COOKIE = "llm-xds-affinity-cookie";
  static final String META_AFFINITY_COOKIE_TTL = "llm-xds-affinity-cookie-ttl";
  static final String META_AFFINITY_LB = "llm-xds-affinity-lb";
  static final String META_AFFINITY_BALANCE = "llm-xds-affinity-hash-balance-factor";
  static final String META_AFFINITY_MIN_RING = "llm-xds-affinity-min-ring-size";
  static final String META_AFFINITY_MAX_RING = "llm-xds-affinity-max-ring-size";
  static final String META_AFFINITY_TABLE = "llm-xds-affinity-table-size";
  private static final java.util.Set<String> AFFINITY_KEYS =
      new java.util.TreeSet<>(
          List.of(
              META_AFFINITY,
              META_AFFINITY_HEADER,
              META_AFFINITY_COOKIE,
              META_AFFINITY_COOKIE_TTL,
              META_AFFINITY_LB,
              META_AFFINITY_BALANCE,
              META_AFFINITY_MIN_RING,
              META_AFFINITY_MAX_RING,
              META_AFFINITY_TABLE));
  static final String BACKUP_TAG = "backup";

  private final ConsulConfig config;

  ConsulMapper(ConsulConfig config) {
    this.config = config;
  }

  /** One registered instance, mapped. */
  record Instance(
      String id, String cluster, List<String> models, Endpoint endpoint, Affinity affinity) {
    Instance(String id, String cluster, List<String> models, Endpoint endpoint) {
      this(id, cluster, models, endpoint, null);
    }
  }

  /** A service's instances and the entries that could not be mapped (id → problem). */
  record Result(Map<String, Instance> instances, Map<String, String> problems) {}

  /** Names of the catalog's inference services: those carrying the configured tag. */
  List<String> selectServices(JsonNode catalog) {
    if (!catalog.isObject()) {
      throw new ConsulException("/v1/catalog/services: expected a JSON object");
    }
    List<String> names = new ArrayList<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = catalog.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (e.getKey().equals("consul")) {
        continue;
      }
      if (config.tag().isEmpty() || hasText(e.getValue(), config.tag())) {
        names.add(e.getKey());
      }
    }
    names.sort(null);
    return names;
  }

  /** Maps a health answer; throws when the body as a whole is unusable. */
  Result mapHealth(String service, JsonNode entries) {
    if (!entries.isArray()) {
      throw new ConsulException("/v1/health/service/" + service + ": expected a JSON array");
    }
    Map<String, Instance> instances = new LinkedHashMap<>();
    Map<String, String> problems = new LinkedHashMap<>();
    int i = 0;
    for (JsonNode entry : entries) {
      String id = text(entry.path("Service").path("ID"));
      if (id.isEmpty()) {
        id = service + "#" + i;
      }
      i++;
      try {
        Instance instance = mapEntry(service, id, entry);
        if (instance != null) {
          instances.put(id, instance);
        }
      } catch (IllegalArgumentException e) {
        problems.put(id, e.getMessage());
      }
    }
    return new Result(instances, problems);
  }

  /** Null when the instance is not selected (wrong tag or meta). */
  private Instance mapEntry(String service, String id, JsonNode entry) {
    JsonNode svc = entry.path("Service");
    JsonNode node = entry.path("Node");
    if (!svc.isObject()) {
      throw new IllegalArgumentException("no Service object");
    }
    JsonNode tags = svc.path("Tags");
    Map<String, String> meta = strings(svc.path("Meta"));
    if (!config.tag().isEmpty() && !hasText(tags, config.tag())) {
      return null;
    }
    for (Map.Entry<String, String> want : config.meta().entrySet()) {
      if (!want.getValue().equals(meta.get(want.getKey()))) {
        return null;
      }
    }
    String address = text(svc.path("Address"));
    if (address.isEmpty()) {
      address = text(node.path("Address"));
    }
    if (address.isEmpty()) {
      throw new IllegalArgumentException("neither Service.Address nor Node.Address is set");
    }
    JsonNode portNode = svc.path("Port");
    if (!portNode.canConvertToInt() || !portNode.isIntegralNumber()) {
      throw new IllegalArgumentException("Service.Port is missing or not a number");
    }
    EndpointHealth health = health(entry.path("Checks"));
    JsonNode weights = svc.path("Weights");
    int weight =
        health == EndpointHealth.DEGRADED
            ? weight(weights.path("Warning"))
            : weight(weights.path("Passing"));
    boolean backup =
        hasText(tags, BACKUP_TAG) || "true".equalsIgnoreCase(meta.getOrDefault(META_BACKUP, ""));
    Engine engine =
        new Engine(
            EngineKind.parse(meta.get(META_ENGINE)),
            metricsPort(meta.get(META_METRICS_PORT)),
            meta.get(META_METRICS_PATH));
    Endpoint endpoint =
        new Endpoint(
            address,
            portNode.intValue(),
            locality(svc, meta, strings(node.path("Meta"))),
            weight,
            health,
            backup,
            engine);
    String cluster = meta.getOrDefault(META_CLUSTER, service).strip();
    List<String> models =
        meta.containsKey(META_MODELS)
            ? Arrays.stream(meta.get(META_MODELS).split(","))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList()
            : List.of();
    return new Instance(
        id, cluster.isEmpty() ? service : cluster, models, endpoint, affinity(meta));
  }

  /**
   * The instance's own affinity from its {@code llm-xds-affinity*} meta, or null when it has none
   * (the configured default applies). {@code llm-xds-affinity} is {@code on}/{@code off} (also
   * {@code true}/{@code false}); naming a header or cookie turns it on.
   */
  static Affinity affinity(Map<String, String> meta) {
    boolean any = meta.keySet().stream().anyMatch(k -> k.startsWith(META_AFFINITY));
    if (!any) {
      return null;
    }
    for (String k : meta.keySet()) {
      if (k.startsWith(META_AFFINITY) && !AFFINITY_KEYS.contains(k)) {
        // a misspelt key would otherwise give the instance an affinity of its own, replacing the
        // configured default with affinity off
        throw new IllegalArgumentException(
            "meta "
                + dev.llmxds.discovery.FleetAssembler.shown(k, 64)
                + ": unknown affinity key (known: "
                + AFFINITY_KEYS
                + ")");
      }
    }
    String key = META_AFFINITY;
    try {
      Boolean enabled = null;
      String on = blankToNull(meta.get(META_AFFINITY));
      if (on != null) {
        enabled =
            switch (on.toLowerCase(Locale.ROOT)) {
              case "on", "true" -> true;
              case "off", "false" -> false;
              default -> throw new ConfigException("", "must be on or off, got '" + on + "'");
            };
      }
      key = META_AFFINITY_COOKIE_TTL;
      String ttlText = blankToNull(meta.get(META_AFFINITY_COOKIE_TTL));
      Duration ttl = ttlText == null ? null : Durations.parse(ttlText);
      key = META_AFFINITY_BALANCE;
      Integer balance = integer(meta.get(META_AFFINITY_BALANCE));
      key = META_AFFINITY_MIN_RING;
      Long minRing = number(meta.get(META_AFFINITY_MIN_RING));
      key = META_AFFINITY_MAX_RING;
      Long maxRing = number(meta.get(META_AFFINITY_MAX_RING));
      key = META_AFFINITY_TABLE;
      Long table = number(meta.get(META_AFFINITY_TABLE));
      key = META_AFFINITY;
      return Affinities.of(
          new AffinityConfig(
              enabled,
              blankToNull(meta.get(META_AFFINITY_HEADER)),
              blankToNull(meta.get(META_AFFINITY_COOKIE)),
              ttl,
              blankToNull(meta.get(META_AFFINITY_LB)),
              balance,
              minRing,
              maxRing,
              table));
    } catch (ConfigException e) {
      String field = e.field().isEmpty() ? key : META_AFFINITY + "-" + kebab(e.field());
      throw new IllegalArgumentException("meta " + field + ": " + e.problem());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("meta " + key + ": " + e.getMessage());
    }
  }

  private static String kebab(String field) {
    return field.replaceAll("([A-Z])", "-$1").toLowerCase(Locale.ROOT);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s.strip();
  }

  private static Long number(String s) {
    String t = blankToNull(s);
    if (t == null) {
      return null;
    }
    try {
      return Long.parseLong(t);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + t + "' is not a whole number");
    }
  }

  private static Integer integer(String s) {
    Long n = number(s);
    if (n == null) {
      return null;
    }
    if (n > Integer.MAX_VALUE || n < Integer.MIN_VALUE) {
      throw new IllegalArgumentException("'" + n + "' is out of range");
    }
    return n.intValue();
  }

  /**
   * Consul's aggregated status: maintenance (service or node) → DRAINING, else the worst check:
   * critical → UNHEALTHY, warning → DEGRADED, passing (or no checks) → HEALTHY.
   */
  static EndpointHealth health(JsonNode checks) {
    EndpointHealth worst = EndpointHealth.HEALTHY;
    if (!checks.isArray()) {
      return worst;
    }
    for (JsonNode check : checks) {
      String checkId = text(check.path("CheckID"));
      if (checkId.equals("_node_maintenance") || checkId.startsWith("_service_maintenance:")) {
        return EndpointHealth.DRAINING;
      }
      String status = text(check.path("Status")).toLowerCase(Locale.ROOT);
      switch (status) {
        case "passing" -> {}
        case "warning" -> {
          if (worst == EndpointHealth.HEALTHY) {
            worst = EndpointHealth.DEGRADED;
          }
        }
        case "maintenance" -> {
          return EndpointHealth.DRAINING;
        }
        default -> worst = EndpointHealth.UNHEALTHY; // critical, or anything Consul never sends
      }
    }
    return worst;
  }

  private static Locality locality(
      JsonNode svc, Map<String, String> meta, Map<String, String> nodeMeta) {
    JsonNode loc = svc.path("Locality");
    Locality fromConsul = Locality.of(text(loc.path("Region")), text(loc.path("Zone")));
    if (fromConsul.isKnown()) {
      return fromConsul;
    }
    Locality fromMeta = Locality.of(meta.get("region"), meta.get("zone"));
    if (fromMeta.isKnown()) {
      return fromMeta;
    }
    return Locality.of(nodeMeta.get("region"), nodeMeta.get("zone"));
  }

  /**
   * Consul weights default to 1; 0 or less is clamped to 1 (Envoy rejects 0), big ones to the max.
   */
  private static int weight(JsonNode w) {
    if (!w.isNumber()) {
      return 1;
    }
    return (int) Math.max(1, Math.min(Endpoint.MAX_STATIC_WEIGHT, w.asLong()));
  }

  private static int metricsPort(String text) {
    if (text == null || text.isBlank()) {
      return 0;
    }
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "meta " + META_METRICS_PORT + " '" + text + "' is not a port");
    }
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> out = new LinkedHashMap<>();
    if (object.isObject()) {
      object.fields().forEachRemaining(e -> out.put(e.getKey(), text(e.getValue())));
    }
    return out;
  }

  private static boolean hasText(JsonNode array, String value) {
    if (array.isArray()) {
      for (JsonNode n : array) {
        if (value.equals(n.asText())) {
          return true;
        }
      }
    }
    return false;
  }

  private static String text(JsonNode n) {
    return n.isValueNode() && !n.isNull() ? n.asText().strip() : "";
  }
}
