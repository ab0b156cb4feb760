package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.admin.v1.AdminServiceGrpc;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.WatchFleetRequest;
import dev.llmxds.app.LlmXds;
import dev.llmxds.testing.FleetFiles;
import dev.llmxds.testing.FleetFiles.Entry;
import dev.llmxds.testing.TestServers;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * WatchFleet hears of a fleet change by itself: scraping is off, so no weight ever moves and the
 * fleet publication is the only thing that can wake the watch.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WatchFleetTest {
  @TempDir Path dir;

  @Test
  void aFleetChangeReachesTheWatchWithoutAnyWeightChange() {
    Path fleet = dir.resolve("fleet.yaml");
    FleetFiles.write(fleet, FleetFiles.yaml("llama", List.of(Entry.of(9001, "r1", "a"))));
    try (LlmXds server =
        TestServers.start(TestServers.config(fleet, "admin: {port: 0, grpcOnXdsPort: true}"))) {
      ManagedChannel channel =
          NettyChannelBuilder.forAddress("127.0.0.1", server.xdsPort()).usePlaintext().build();
      try {
        Iterator<Fleet> watch =
            AdminServiceGrpc.newBlockingStub(channel)
                .withDeadlineAfter(30, TimeUnit.SECONDS)
                .watchFleet(WatchFleetRequest.getDefaultInstance());
        assertEquals(1, watch.next().getServices(0).getEndpointsCount());

        FleetFiles.write(
            fleet,
            FleetFiles.yaml(
                "llama", List.of(Entry.of(9001, "r1", "a"), Entry.of(9002, "r1", "b"))));

        Fleet next = watch.next(); // before: the deadline passed with no message
        assertEquals(2, next.getServices(0).getEndpointsCount());
        assertEquals(2, next.getPublications(), "the second fleet publication");
        assertEquals(0, next.getWeightUpdates());
      } finally {
        channel.shutdownNow();
      }
    }
  }
}
