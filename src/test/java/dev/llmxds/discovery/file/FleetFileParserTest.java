package dev.llmxds.discovery.file;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.config.ConfigException;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.Locality;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FleetFileParserTest {
  private static String error(String yaml) {
    return assertThrows(ConfigException.class, () -> FleetFileParser.parse(yaml)).getMessage();
  }

  @Test
  void parsesServicesEndpointsAndDefaults() {
    Fleet fleet =
        FleetFileParser.parse(
            """
            services:
              - name: llama
                models: [meta-llama/Llama-3.1-8B-Instruct]
                endpoints:
                  - {address: 10.0.0.2, port: 8000, region: us-east, zone: us-east-1a, weight: 4}
                  - {address: 10.0.0.1, port: 8000, health: Draining, backup: true}
            """);
    var llama = fleet.service("llama").orElseThrow();
    assertEquals(List.of("meta-llama/Llama-3.1-8B-Instruct"), llama.models());
    assertEquals(
        List.of(
            new Endpoint("10.0.0.1", 8000, Locality.NONE, 1, EndpointHealth.DRAINING, true),
            new Endpoint(
                "10.0.0.2",
                8000,
                Locality.of("us-east", "us-east-1a"),
                4,
                EndpointHealth.HEALTHY,
                false)),
        llama.endpoints());
    assertEquals(
        List.of("qwen"),
        FleetFileParser.parse("services: [{name: qwen}]").service("qwen").orElseThrow().models());
  }

  @Test
  void errorsNameTheEntry() {
    assertEquals(
        "services[0].endpoints[1].port: port must be 1..65535, got 0",
        error(
            "services: [{name: a, endpoints: [{address: 10.0.0.1, port: 1}, {address: 10.0.0.2, port: 0}]}]"));
    assertEquals(
        "services[0].endpoints[0].health: unknown health 'sick' (expected healthy, degraded,"
            + " unhealthy or draining)",
        error("services: [{name: a, endpoints: [{address: 10.0.0.1, port: 1, health: sick}]}]"));
    assertEquals(
        "services[0].endpoints[0].address: is required",
        error("services: [{name: a, endpoints: [{port: 1}]}]"));
    assertEquals(
        "services[0].endpoints[0].weight: weight must be 1..10000, got 0",
        error("services: [{name: a, endpoints: [{address: 10.0.0.1, port: 1, weight: 0}]}]"));
    assertTrue(error("services: [{name: 'bad name'}]").startsWith("services[0]: service name"));
    assertEquals(
        "services: service 'a' is defined twice", error("services: [{name: a}, {name: a}]"));
    assertEquals(
        "services: model 'm' is served by both 'a' and 'b'",
        error("services: [{name: a, models: [m]}, {name: b, models: [m]}]"));
    assertEquals(
        "services[0]: service 'a': endpoint 10.0.0.1:1 is listed twice",
        error(
            "services: [{name: a, endpoints: [{address: 10.0.0.1, port: 1}, {address: 10.0.0.1, port: 1}]}]"));
    assertTrue(
        error("services: [{name: a, endpoint: []}]")
            .startsWith("services[0].endpoint: unknown field"));
  }

  @Test
  void theEmbeddedExampleFleetParses() throws Exception {
    try (InputStream in = FileFleetSource.class.getResourceAsStream(FileFleetSource.EMBEDDED)) {
      Fleet fleet = FleetFileParser.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8));
      assertEquals(4, fleet.endpointCount());
    }
  }

  @Test
  void aServiceMayBringItsOwnAffinity() {
    Fleet fleet =
        FleetFileParser.parse(
            """
            services:
              - name: chat
                affinity: {header: x-session-id, lb: maglev, hashBalanceFactor: 125}
                endpoints: [{address: 10.0.0.1, port: 8000}]
              - name: batch
                affinity: {enabled: false}
              - name: plain
            """);
    dev.llmxds.fleet.Affinity chat = fleet.service("chat").orElseThrow().affinity();
    assertEquals(true, chat.enabled());
    assertEquals("x-session-id", chat.header());
    assertEquals(dev.llmxds.fleet.Affinity.Lb.MAGLEV, chat.lb());
    assertEquals(125, chat.hashBalanceFactor());
    assertEquals(false, fleet.service("batch").orElseThrow().affinity().enabled());
    assertEquals(null, fleet.service("plain").orElseThrow().affinity(), "the default applies");
    assertEquals(
        "services[0].affinity.hashBalanceFactor: must be between 100 and 100000, got 50",
        error("services: [{name: a, affinity: {header: x-a, hashBalanceFactor: 50}}]"));
    assertEquals(
        "services[0].affinity.cookie: set either header or cookie, not both",
        error("services: [{name: a, affinity: {header: x-a, cookie: sid}}]"));
  }
}
