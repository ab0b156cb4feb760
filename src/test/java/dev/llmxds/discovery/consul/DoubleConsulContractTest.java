package dev.llmxds.discovery.consul;

import dev.llmxds.testing.consul.ConsulDouble;
import java.net.URI;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** The Consul contract against the in-process HTTP API double. */
class DoubleConsulContractTest extends ConsulContractTest {
  private static ConsulDouble consulDouble;

  @BeforeAll
  static void startDouble() {
    consulDouble = new ConsulDouble();
  }

  @AfterAll
  static void stopDouble() {
    consulDouble.close();
  }

  @Override
  URI consulAddress() {
    return consulDouble.address();
  }
}
