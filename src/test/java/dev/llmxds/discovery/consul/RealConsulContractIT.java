package dev.llmxds.discovery.consul;

import java.net.URI;
import org.testcontainers.consul.ConsulContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;

/** The Consul contract against real Consul in a container; skipped where Docker is missing. */
@Testcontainers(disabledWithoutDocker = true)
class RealConsulContractIT extends ConsulContractTest {
  @Container
  private static final ConsulContainer CONSUL = new ConsulContainer("hashicorp/consul:1.20");

  @Override
  URI consulAddress() {
    return URI.create("http://" + CONSUL.getHost() + ":" + CONSUL.getMappedPort(8500));
  }
}
