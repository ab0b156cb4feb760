package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.llmxds.discovery.DiscoveryStatus;
import java.util.List;
import org.junit.jupiter.api.Test;

class DiscoveryStatusViewTest {
  @Test
  void skippedEntriesAreShownInTheDiscoveryStatus() {
    DiscoveryStatus s =
        DiscoveryStatus.starting("consul:http://127.0.0.1:8500")
            .withSkipped(List.of("service 'x' skipped: bad name"));
    assertEquals(
        List.of("service 'x' skipped: bad name"), AdminViews.discovery(s).getSkippedList());
  }
}
