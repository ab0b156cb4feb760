package dev.llmxds.fleet;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** EDS addresses are IPs: every client rejects a host name, and nothing may smuggle a path. */
class EndpointTest {
  @Test
  void addressesAreIps() {
    for (String good : List.of("10.0.1.11", "127.0.0.1", "::1", "fd00::1:2")) {
      assertTrue(Endpoint.isIp(good), good);
    }
    for (String bad :
        List.of(
            "127.0.0.1/x?",
            "localhost",
            "vllm-0.vllm.default.svc.cluster.local",
            "user@host",
            "host:8000",
            "http://host",
            "a b",
            "[::1]",
            "host/../../admin",
            "x".repeat(300))) {
      assertFalse(Endpoint.isIp(bad), bad);
      assertThrows(
          IllegalArgumentException.class,
          () -> new Endpoint(bad, 80, Locality.NONE, 1, EndpointHealth.HEALTHY, false));
    }
  }
}
