package dev.llmxds.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.UInt32Value;
import dev.llmxds.demo.SidecarTraffic.Target;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a demo sidecar balances over: the first priority level with a healthy endpoint. */
class DemoSidecarTest {
  private static LbEndpoint endpoint(int port, int weight, HealthStatus health) {
    return LbEndpoint.newBuilder()
        .setHealthStatus(health)
        .setLoadBalancingWeight(UInt32Value.of(weight))
        .setEndpoint(
            io.envoyproxy.envoy.config.endpoint.v3.Endpoint.newBuilder()
                .setAddress(
                    Address.newBuilder()
                        .setSocketAddress(
                            SocketAddress.newBuilder().setAddress("127.0.0.1").setPortValue(port))))
        .build();
  }

  @Test
  void priorityZeroWhileItHasAHealthyEndpointWithItsWeights() {
    ClusterLoadAssignment a =
        ClusterLoadAssignment.newBuilder()
            .setClusterName("c")
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setPriority(1)
                    .addLbEndpoints(endpoint(3, 9, HealthStatus.HEALTHY)))
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setPriority(0)
                    .addLbEndpoints(endpoint(1, 40, HealthStatus.HEALTHY))
                    .addLbEndpoints(endpoint(2, 7, HealthStatus.DRAINING)))
            .build();
    assertEquals(List.of(new Target("127.0.0.1", 1, 40)), DemoSidecar.targets(a));
  }

  @Test
  void aDrainedZoneFailsOverToTheNextLevel() {
    ClusterLoadAssignment a =
        ClusterLoadAssignment.newBuilder()
            .setClusterName("c")
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setPriority(0)
                    .addLbEndpoints(endpoint(1, 40, HealthStatus.DRAINING)))
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setPriority(1)
                    .addLbEndpoints(endpoint(3, 9, HealthStatus.HEALTHY))
                    .addLbEndpoints(endpoint(4, 5, HealthStatus.DEGRADED)))
            .build();
    assertEquals(List.of(new Target("127.0.0.1", 3, 9)), DemoSidecar.targets(a));
  }

  @Test
  void degradedOnlyWhenNothingIsHealthy() {
    ClusterLoadAssignment a =
        ClusterLoadAssignment.newBuilder()
            .setClusterName("c")
            .addEndpoints(
                LocalityLbEndpoints.newBuilder()
                    .setPriority(0)
                    .addLbEndpoints(endpoint(1, 40, HealthStatus.UNHEALTHY))
                    .addLbEndpoints(endpoint(2, 5, HealthStatus.DEGRADED)))
            .build();
    assertEquals(List.of(new Target("127.0.0.1", 2, 5)), DemoSidecar.targets(a));
  }
}
