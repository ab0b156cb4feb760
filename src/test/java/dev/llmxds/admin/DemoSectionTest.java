package dev.llmxds.admin;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.admin.v1.Endpoint;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.Load;
import dev.llmxds.admin.v1.Nodes;
import dev.llmxds.admin.v1.Service;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The charts and the demo section: data points drawn, every client string escaped. */
class DemoSectionTest {
  private static final String SVG = "<svg/onload=alert(1)>";
  private static final String IMG = "<img src=x onerror=alert(1)>";
  private static final Pattern RAW_TAG =
      Pattern.compile("<(img|svg/onload)", Pattern.CASE_INSENSITIVE);

  @Test
  void hostileNamesAreEscapedInChartsLegendsAndButtons() {
    Fleet fleet =
        Fleet.newBuilder()
            .addServices(
                Service.newBuilder()
                    .setName(SVG)
                    .addEndpoints(
                        Endpoint.newBuilder()
                            .setId(IMG)
                            .setWeight(10)
                            .setLoad(Load.newBuilder().setWaiting(3))))
            .build();
    FleetHistory history = new FleetHistory();
    history.sample(fleet, 1_000);
    history.sample(fleet, 3_000);
    DemoPanel.View view =
        new DemoPanel.View(
            SVG,
            List.of(new DemoPanel.Group(IMG, SVG, 2)),
            List.of(
                new DemoPanel.Point(
                    2_000, Map.of(IMG, new DemoPanel.GroupPoint(0.1, 0.5, 4, 0, Map.of(SVG, 4L)))),
                new DemoPanel.Point(
                    4_000, Map.of(IMG, new DemoPanel.GroupPoint(0.2, 0.9, 4, 1, Map.of(SVG, 4L))))),
            Map.of(IMG, SVG),
            List.of(new DemoPanel.Action("x\"><img src=x>", IMG)),
            IMG);
    String html =
        HtmlPage.render(
            fleet, Nodes.getDefaultInstance(), history.samples(), view, "t0k\"<", 5_000);
    assertFalse(RAW_TAG.matcher(html).find(), "a raw tag survived:\n" + html);
    assertTrue(html.contains("data-points=\"2\""), "two samples, two points:\n" + html);
    assertTrue(html.contains("data-count=\"8\""), "where requests went adds up the points");
    assertTrue(html.contains("action=\"/demo/act?do=ximgsrcx&amp;token=t0k\""), html);
  }

  @Test
  void historyIsBounded() {
    Fleet.Builder fleet = Fleet.newBuilder();
    for (int s = 0; s < FleetHistory.MAX_SERVICES + 2; s++) {
      Service.Builder svc = fleet.addServicesBuilder().setName("s" + s);
      for (int e = 0; e < FleetHistory.MAX_ENDPOINTS + 2; e++) {
        svc.addEndpoints(Endpoint.newBuilder().setId("e" + e).setWeight(1));
      }
    }
    FleetHistory history = new FleetHistory();
    for (int i = 0; i < FleetHistory.MAX_POINTS + 5; i++) {
      history.sample(fleet.build(), i);
    }
    List<FleetHistory.Sample> samples = history.samples();
    assertTrue(samples.size() == FleetHistory.MAX_POINTS);
    assertTrue(samples.get(0).services().size() == FleetHistory.MAX_SERVICES);
    assertTrue(samples.get(0).services().get("s0").size() == FleetHistory.MAX_ENDPOINTS);
  }
}
