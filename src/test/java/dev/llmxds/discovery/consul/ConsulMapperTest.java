package dev.llmxds.discovery.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmxds.config.ConsulConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Locality;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Mapping of /v1/health/service answers, in the shape Consul documents them. */
class ConsulMapperTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ConsulMapper mapper = new ConsulMapper(ConsulConfig.DEFAULT);

  private static JsonNode json(String text) throws Exception {
    return JSON.readTree(text.replace('\'', '"'));
  }

  private static String entry(String service, String checks) {
    return "{'Node': {'Node': 'gpu-node-7', 'Address': '10.9.0.7', 'Meta': {'zone': 'node-zone', 'region': 'node-region'}},"
        + " 'Service': "
        + service
        + ", 'Checks': "
        + checks
        + "}";
  }

  private static final String PASSING =
      "[{'CheckID': 'serfHealth', 'Status': 'passing', 'ServiceID': ''},"
          + " {'CheckID': 'service:v1', 'Status': 'passing', 'ServiceID': 'v1'}]";

  private Endpoint only(String body) throws Exception {
    ConsulMapper.Result r = mapper.mapHealth("llama", json(body));
    assertEquals(Map.of(), r.problems());
    assertEquals(1, r.instances().size());
    return r.instances().values().iterator().next().endpoint();
  }

  @Test
  void localityPrefersConsulsLocalityThenServiceMetaThenNodeMeta() throws Exception {
    String svc =
        "{'ID': 'v1', 'Service': 'llama', 'Tags': ['llm'], 'Address': '', 'Port': 8000, %s}";
    assertEquals(
        Locality.of("us-east", "us-east-1a"),
        only("["
                + entry(
                    svc.formatted(
                        "'Meta': {'zone': 'm'}, 'Locality': {'Region': 'us-east', 'Zone': 'us-east-1a'}"),
                    PASSING)
                + "]")
            .locality());
    assertEquals(
        Locality.of("meta-region", "meta-zone"),
        only("["
                + entry(
                    svc.formatted("'Meta': {'zone': 'meta-zone', 'region': 'meta-region'}"),
                    PASSING)
                + "]")
            .locality());
    Endpoint fromNode = only("[" + entry(svc.formatted("'Meta': {}"), PASSING) + "]");
    assertEquals(Locality.of("node-region", "node-zone"), fromNode.locality());
    assertEquals("10.9.0.7", fromNode.address(), "empty Service.Address: the node's");
  }

  @Test
  void aggregatedHealthAndMaintenance() {
    assertEquals(EndpointHealth.HEALTHY, ConsulMapper.health(JSON.createArrayNode()));
    assertEquals(EndpointHealth.DEGRADED, health("passing", "warning"));
    assertEquals(EndpointHealth.UNHEALTHY, health("warning", "critical"));
    assertEquals(EndpointHealth.UNHEALTHY, health("passing", "bogus"));
    assertEquals(
        EndpointHealth.DRAINING,
        ConsulMapper.health(
            arr(
                "{'CheckID': '_service_maintenance:v1', 'Status': 'critical'}",
                "{'CheckID': 'c', 'Status': 'passing'}")));
    assertEquals(
        EndpointHealth.DRAINING,
        ConsulMapper.health(arr("{'CheckID': '_node_maintenance', 'Status': 'critical'}")));
  }

  private static EndpointHealth health(String... statuses) {
    String[] checks = new String[statuses.length];
    for (int i = 0; i < statuses.length; i++) {
      checks[i] = "{'CheckID': 'c" + i + "', 'Status': '" + statuses[i] + "'}";
    }
    return ConsulMapper.health(arr(checks));
  }

  private static JsonNode arr(String... items) {
    try {
      return json("[" + String.join(",", items) + "]");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void weightsClusterNameModelsAndBackup() throws Exception {
    String svc =
        "{'ID': 'v1', 'Service': 'llama', 'Tags': ['llm', 'backup'], 'Address': '10.0.0.1', 'Port': 8000,"
            + " 'Weights': {'Passing': 0, 'Warning': 99999},"
            + " 'Meta': {'llm-xds-cluster': 'llama-prod', 'llm-xds-models': 'a, b,,c'}}";
    ConsulMapper.Instance i =
        mapper.mapHealth("llama", json("[" + entry(svc, PASSING) + "]")).instances().get("v1");
    assertEquals("llama-prod", i.cluster());
    assertEquals(List.of("a", "b", "c"), i.models());
    assertEquals(1, i.endpoint().staticWeight(), "0 clamped to 1");
    assertTrue(i.endpoint().backup());
    String warn = "[{'CheckID': 'c', 'Status': 'warning'}]";
    Endpoint degraded =
        mapper
            .mapHealth("llama", json("[" + entry(svc, warn) + "]"))
            .instances()
            .get("v1")
            .endpoint();
    assertEquals(Endpoint.MAX_STATIC_WEIGHT, degraded.staticWeight(), "Warning weight, clamped");
  }

  @Test
  void unselectedInstancesAreSkippedAndBrokenOnesReported() throws Exception {
    String untagged =
        "{'ID': 'u', 'Service': 'llama', 'Tags': [], 'Address': '10.0.0.2', 'Port': 1}";
    String noPort = "{'ID': 'p', 'Service': 'llama', 'Tags': ['llm'], 'Address': '10.0.0.3'}";
    String badEngine =
        "{'ID': 'e', 'Service': 'llama', 'Tags': ['llm'], 'Address': '10.0.0.4', 'Port': 1, 'Meta': {'llm-xds-engine': 'ollama'}}";
    String badPath =
        "{'ID': 'm', 'Service': 'llama', 'Tags': ['llm'], 'Address': '10.0.0.5', 'Port': 1, 'Meta': {'llm-xds-metrics-path': 'http://evil/'}}";
    ConsulMapper.Result r =
        mapper.mapHealth(
            "llama",
            json(
                "["
                    + String.join(
                        ",",
                        entry(untagged, PASSING),
                        entry(noPort, PASSING),
                        entry(badEngine, PASSING),
                        entry(badPath, PASSING))
                    + "]"));
    assertEquals(Map.of(), r.instances());
    assertEquals(List.of("p", "e", "m"), List.copyOf(r.problems().keySet()));
    assertTrue(r.problems().get("p").contains("Service.Port"));
    assertTrue(r.problems().get("e").contains("unknown engine 'ollama'"));
    assertTrue(r.problems().get("m").contains("metrics path must be an absolute path"));
  }

  @Test
  void metaSelectorAndCatalogSelection() throws Exception {
    ConsulConfig byMeta =
        new ConsulConfig(
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            null,
            "",
            Map.of("role", "inference"),
            null,
            null);
    ConsulMapper m = new ConsulMapper(byMeta);
    String yes =
        "{'ID': 'y', 'Service': 's', 'Address': '10.0.0.1', 'Port': 1, 'Meta': {'role': 'inference'}}";
    String no =
        "{'ID': 'n', 'Service': 's', 'Address': '10.0.0.2', 'Port': 1, 'Meta': {'role': 'web'}}";
    assertEquals(
        List.of("y"),
        List.copyOf(
            m.mapHealth("s", json("[" + entry(yes, PASSING) + "," + entry(no, PASSING) + "]"))
                .instances()
                .keySet()));
    assertEquals(
        List.of("a", "b"),
        m.selectServices(json("{'consul': [], 'b': [], 'a': ['x']}")),
        "no tag configured: every service but consul");
    assertEquals(
        List.of("llama"),
        mapper.selectServices(json("{'consul': [], 'llama': ['llm', 'v1'], 'web': ['http']}")));
  }

  @Test
  void unusableBodiesAreErrors() throws Exception {
    assertThrows(
        ConsulException.class, () -> mapper.mapHealth("llama", json("{'not': 'an array'}")));
    assertThrows(ConsulException.class, () -> mapper.selectServices(json("[1, 2]")));
  }

  private ConsulMapper.Result withMeta(String meta) throws Exception {
    return mapper.mapHealth(
        "llama",
        json(
            "["
                + entry(
                    "{'ID': 'v1', 'Service': 'llama', 'Tags': ['llm'], 'Address': '10.0.0.1',"
                        + " 'Port': 8000, 'Meta': "
                        + meta
                        + "}",
                    PASSING)
                + "]"));
  }

  @Test
  void affinityMetaGivesTheServiceItsOwnAffinity() throws Exception {
    assertEquals(
        null, withMeta("{}").instances().get("v1").affinity(), "no meta: the default applies");
    var a =
        withMeta(
                "{'llm-xds-affinity-header': 'X-Session-Id', 'llm-xds-affinity-lb': 'maglev',"
                    + " 'llm-xds-affinity-hash-balance-factor': '200',"
                    + " 'llm-xds-affinity-table-size': '131'}")
            .instances()
            .get("v1")
            .affinity();
    assertTrue(a.enabled());
    assertEquals("x-session-id", a.header());
    assertEquals(dev.llmxds.fleet.Affinity.Lb.MAGLEV, a.lb());
    assertEquals(200, a.hashBalanceFactor());
    assertEquals(131, a.tableSize());
    assertEquals(
        false, withMeta("{'llm-xds-affinity': 'off'}").instances().get("v1").affinity().enabled());
    var cookie =
        withMeta("{'llm-xds-affinity-cookie': 'sid', 'llm-xds-affinity-cookie-ttl': '30m'}")
            .instances()
            .get("v1")
            .affinity();
    assertEquals("sid", cookie.cookie());
    assertEquals(java.time.Duration.ofMinutes(30), cookie.cookieTtl());
  }

  @Test
  void badAffinityMetaIsReportedNamingTheKey() throws Exception {
    assertEquals(
        Map.of(
            "v1",
            "meta llm-xds-affinity-hash-balance-factor: must be between 100 and 100000, got 50"),
        withMeta("{'llm-xds-affinity-hash-balance-factor': '50'}").problems());
    assertEquals(
        Map.of("v1", "meta llm-xds-affinity-cookie: set either header or cookie, not both"),
        withMeta("{'llm-xds-affinity-header': 'x-a', 'llm-xds-affinity-cookie': 'sid'}")
            .problems());
    assertEquals(
        Map.of("v1", "meta llm-xds-affinity: must be on or off, got 'maybe'"),
        withMeta("{'llm-xds-affinity': 'maybe'}").problems());
    String typo = withMeta("{'llm-xds-affinity-heder': 'x-user'}").problems().get("v1");
    assertTrue(
        typo.startsWith("meta llm-xds-affinity-heder: unknown affinity key"),
        "a misspelt key is reported, not read as affinity off: " + typo);
    assertEquals(
        Map.of("v1", "meta llm-xds-affinity-min-ring-size: 'lots' is not a whole number"),
        withMeta("{'llm-xds-affinity-min-ring-size': 'lots'}").problems());
    assertEquals(
        Map.of(
            "v1",
            "meta llm-xds-affinity-table-size: must be a prime number up to 5000011, got 100"),
        withMeta("{'llm-xds-affinity-lb': 'maglev', 'llm-xds-affinity-table-size': '100'}")
            .problems());
  }
}
