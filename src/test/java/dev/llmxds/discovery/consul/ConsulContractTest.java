package dev.llmxds.discovery.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.Locality;
import dev.llmxds.testing.consul.ConsulControl;
import dev.llmxds.testing.consul.ConsulControl.Registration;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What llm-xds must read from Consul, run against the in-process double and against real Consul
 * (Testcontainers, where Docker exists). Registrations go through Consul's agent API.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
abstract class ConsulContractTest {
  private static final AtomicInteger NAMES = new AtomicInteger();

  ConsulControl consul;
  ConsulSourceHarness harness;
  String svc;

  abstract URI consulAddress();

  @BeforeEach
  void startSource() {
    consul = new ConsulControl(consulAddress());
    svc = "llama-" + NAMES.incrementAndGet() + "-" + getClass().getSimpleName().length();
    harness = new ConsulSourceHarness(ConsulSourceHarness.config(consulAddress(), ""), Map.of());
  }

  @AfterEach
  void stopSource() {
    harness.close();
  }

  @Test
  void mapsAddressPortLocalityWeightsEngineAndModels() {
    consul.register(
        new Registration(svc + "-1", svc, 8000)
            .address("10.1.2.3")
            .locality("us-east", "us-east-1a")
            .weights(3, 1)
            .meta(
                Map.of(
                    "llm-xds-engine", "vllm",
                    "llm-xds-metrics-port", "9100",
                    "llm-xds-models", "meta-llama/Llama-3.1-8B-Instruct, llama-3-8b")));

    Endpoint e = harness.awaitEndpoint(svc, 8000, x -> true);
    assertEquals("10.1.2.3", e.address());
    assertEquals(Locality.of("us-east", "us-east-1a"), e.locality());
    assertEquals(3, e.staticWeight());
    assertEquals(EndpointHealth.HEALTHY, e.health());
    assertEquals(EngineKind.VLLM, e.engine().kind());
    assertEquals(9100, e.metricsPort());
    assertEquals("/metrics", e.engine().metricsPath());
    assertFalse(e.backup());
    assertEquals(
        List.of("meta-llama/Llama-3.1-8B-Instruct", "llama-3-8b"),
        harness.latest().service(svc).orElseThrow().models());
  }

  @Test
  void affinityMetaOfAnyInstanceGivesTheClusterItsAffinityAndDisagreementIsReported() {
    consul.register(new Registration(svc + "-1", svc, 8010).address("10.0.1.1"));
    consul.register(
        new Registration(svc + "-2", svc, 8011)
            .address("10.0.1.2")
            .meta(Map.of("llm-xds-affinity-header", "x-user-id", "llm-xds-affinity-lb", "maglev")));
    Fleet fleet =
        harness.awaitFleet(
            "two instances, one with affinity meta",
            f ->
                f.service(svc)
                    .map(s -> s.endpoints().size() == 2 && s.affinity() != null)
                    .orElse(false));
    var affinity = fleet.service(svc).orElseThrow().affinity();
    assertEquals("x-user-id", affinity.header());
    assertEquals(dev.llmxds.fleet.Affinity.Lb.MAGLEV, affinity.lb());

    consul.register(
        new Registration(svc + "-3", svc, 8012)
            .address("10.0.1.3")
            .meta(Map.of("llm-xds-affinity-header", "x-session-id")));
    harness.awaitFleet(
        "the third instance",
        f -> f.service(svc).map(s -> s.endpoints().size() == 3).orElse(false));
    assertEquals(affinity, harness.latest().service(svc).orElseThrow().affinity(), "first wins");
    assertTrue(
        harness.source.status().skipped().stream()
            .anyMatch(p -> p.contains("affinity meta differs")),
        () -> "reported: " + harness.source.status().skipped());
  }

  @Test
  void emptyServiceAddressMeansTheNodesAddressAndMetaGivesTheZone() {
    consul.register(
        new Registration(svc + "-1", svc, 8001).meta(Map.of("region", "eu", "zone", "eu-1b")));
    Endpoint e = harness.awaitEndpoint(svc, 8001, x -> true);
    assertTrue(e.address().matches("[0-9a-f.:]+"), e.address());
    assertEquals(Locality.of("eu", "eu-1b"), e.locality());
    assertEquals(8001, e.metricsPort(), "vLLM default: metrics on the serving port");
  }

  @Test
  void healthFollowsChecksAndMaintenance() {
    String id = svc + "-1";
    consul.register(new Registration(id, svc, 8002).address("10.0.0.2").weights(4, 2));
    harness.awaitEndpoint(svc, 8002, e -> e.health() == EndpointHealth.HEALTHY);

    consul.warn(id);
    Endpoint degraded =
        harness.awaitEndpoint(svc, 8002, e -> e.health() == EndpointHealth.DEGRADED);
    assertEquals(2, degraded.staticWeight(), "Weights.Warning while degraded");

    consul.fail(id);
    harness.awaitEndpoint(svc, 8002, e -> e.health() == EndpointHealth.UNHEALTHY);

    consul.pass(id);
    Endpoint healthy = harness.awaitEndpoint(svc, 8002, e -> e.health() == EndpointHealth.HEALTHY);
    assertEquals(4, healthy.staticWeight());

    consul.maintenance(id, true);
    harness.awaitEndpoint(svc, 8002, e -> e.health() == EndpointHealth.DRAINING);
    consul.maintenance(id, false);
    harness.awaitEndpoint(svc, 8002, e -> e.health() == EndpointHealth.HEALTHY);
  }

  @Test
  void selectsByTagAndHonoursBackup() {
    consul.register(
        new Registration(svc + "-web", svc + "-web", 8080).address("10.0.0.9").tags("web"));
    consul.register(
        new Registration(svc + "-1", svc, 8003).address("10.0.0.3").tags("llm", "backup"));
    Endpoint e = harness.awaitEndpoint(svc, 8003, x -> true);
    assertTrue(e.backup());
    assertTrue(harness.latest().service(svc + "-web").isEmpty(), "untagged services are ignored");
  }

  @Test
  void deregistrationRemovesTheInstanceThenTheService() {
    consul.register(new Registration(svc + "-1", svc, 8004).address("10.0.0.4"));
    consul.register(new Registration(svc + "-2", svc, 8005).address("10.0.0.5"));
    harness.awaitFleet(
        "two instances", f -> f.service(svc).map(s -> s.endpoints().size() == 2).orElse(false));

    consul.deregister(svc + "-1");
    harness.awaitFleet(
        "one instance", f -> f.service(svc).map(s -> s.endpoints().size() == 1).orElse(false));
    assertEquals(8005, harness.latest().service(svc).orElseThrow().endpoints().get(0).port());

    consul.deregister(svc + "-2");
    harness.awaitFleet("service gone", f -> f.service(svc).isEmpty());
  }
}
