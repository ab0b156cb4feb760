package dev.llmxds.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DemoStatsTest {
  @Test
  void pointsCarryPercentilesOverTheWindowAndWhereRequestsWent() {
    DemoStats stats = new DemoStats(List.of("a", "b"));
    for (int i = 1; i <= 100; i++) {
      stats.sent("a", "h:1");
      stats.firstToken("a", i / 1000.0);
    }
    stats.failed("b");
    DemoStats.Point p = stats.roll(1_000);
    assertEquals(0.050, p.groups().get("a").p50(), 1e-12);
    assertEquals(0.099, p.groups().get("a").p99(), 1e-12);
    assertEquals(100, p.groups().get("a").requests());
    assertEquals(100L, p.groups().get("a").byEndpoint().get("h:1"));
    assertTrue(Double.isNaN(p.groups().get("b").p99()));
    assertEquals(1, p.groups().get("b").failed());
    // the next point still sees the window's samples, but counts only its own requests
    DemoStats.Point q = stats.roll(3_000);
    assertEquals(0.099, q.groups().get("a").p99(), 1e-12);
    assertEquals(0, q.groups().get("a").requests());
  }

  @Test
  void historyIsBounded() {
    DemoStats stats = new DemoStats(List.of("a"));
    for (int i = 0; i < DemoStats.MAX_POINTS + 10; i++) {
      stats.roll(i);
    }
    assertEquals(DemoStats.MAX_POINTS, stats.points().size());
    assertEquals(10, stats.points().get(0).epochMillis());
  }
}
