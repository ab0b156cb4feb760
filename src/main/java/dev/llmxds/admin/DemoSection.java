package dev.llmxds.admin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The charts and the demo's part of the admin page, as server-rendered HTML and SVG. */
final class DemoSection {
  /** The seconds the charts span. */
  static final double SPAN_SECONDS = 300;

  /** The seconds "where requests went" adds up. */
  static final long ROUTED_SECONDS = 30;

  private DemoSection() {}

  static void render(StringBuilder b, DemoPanel.View demo, String token, long now) {
    b.append("<h2>Demo</h2>\n<p class=\"story\">")
        .append(HtmlPage.esc(demo.story()))
        .append("</p>\n");
    List<DemoPanel.Point> points = demo.points();
    DemoPanel.Point last = points.isEmpty() ? null : points.get(points.size() - 1);
    b.append("<table class=\"groups\"><tr><th>sidecar group</th><th>balancing</th>")
        .append("<th>sidecars</th><th>TTFT p50</th><th>TTFT p99</th><th>answered/s</th>")
        .append("<th>failed/s</th></tr>\n");
    for (DemoPanel.Group g : demo.groups()) {
      DemoPanel.GroupPoint p = last == null ? null : last.groups().get(g.name());
      double seconds = rollSeconds(points);
      b.append("<tr><td>")
          .append(HtmlPage.esc(g.name()))
          .append("</td><td>")
          .append(HtmlPage.esc(g.how()))
          .append("</td><td class=\"num\">")
          .append(g.sidecars())
          .append("</td><td class=\"num\">")
          .append(p == null ? "" : ms(p.p50()))
          .append("</td><td class=\"num\">")
          .append(p == null ? "" : ms(p.p99()))
          .append("</td><td class=\"num\">")
          .append(p == null ? "" : rate(p.answered(), seconds))
          .append("</td><td class=\"num\">")
          .append(p == null ? "" : rate(p.failed(), seconds))
          .append("</td></tr>\n");
    }
    b.append("</table>\n<div class=\"actions\">");
    for (DemoPanel.Action a : demo.actions()) {
      b.append("<form class=\"action\" method=\"post\" action=\"/demo/act?do=")
          .append(HtmlPage.esc(urlSafe(a.id())))
          .append("&amp;token=")
          .append(HtmlPage.esc(urlSafe(token)))
          .append("\"><button type=\"submit\">")
          .append(HtmlPage.esc(a.label()))
          .append("</button></form>");
    }
    b.append("</div>\n");
    if (!demo.lastAction().isEmpty()) {
      b.append("<p class=\"muted\">Last action: ")
          .append(HtmlPage.esc(demo.lastAction()))
          .append("</p>\n");
    }

    List<Charts.Series> ttft = new ArrayList<>();
    for (int gi = 0; gi < demo.groups().size(); gi++) {
      DemoPanel.Group g = demo.groups().get(gi);
      double[] x = new double[points.size()];
      double[] p99 = new double[points.size()];
      double[] p50 = new double[points.size()];
      for (int i = 0; i < points.size(); i++) {
        DemoPanel.Point p = points.get(i);
        x[i] = (p.epochMillis() - now) / 1000.0;
        DemoPanel.GroupPoint gp = p.groups().get(g.name());
        p99[i] = gp == null ? Double.NaN : gp.p99() * 1000;
        p50[i] = gp == null ? Double.NaN : gp.p50() * 1000;
      }
      ttft.add(new Charts.Series(g.name() + " p99", x, p99, false, gi));
      ttft.add(new Charts.Series(g.name() + " p50", x, p50, true, gi));
    }
    b.append(
        Charts.lines(
            "chart-ttft", "Time to first token per sidecar group", "ms", ttft, SPAN_SECONDS));

    Map<String, Map<String, Long>> routed = new LinkedHashMap<>();
    LinkedHashSet<String> endpoints = new LinkedHashSet<>(demo.endpointNames().keySet());
    for (DemoPanel.Group g : demo.groups()) {
      Map<String, Long> sum = new TreeMap<>();
      for (DemoPanel.Point p : points) {
        if (now - p.epochMillis() > ROUTED_SECONDS * 1000) {
          continue;
        }
        DemoPanel.GroupPoint gp = p.groups().get(g.name());
        if (gp != null) {
          gp.sent().forEach((k, v) -> sum.merge(k, v, Long::sum));
        }
      }
      endpoints.addAll(sum.keySet());
      routed.put(g.name(), sum);
    }
    b.append(
        Charts.bars(
            "chart-routed",
            "Where requests went (last " + ROUTED_SECONDS + " s)",
            routed,
            new ArrayList<>(endpoints),
            demo.endpointNames()));
  }

  /** Weight and queue per endpoint over time, one pair of charts per service. */
  static void fleetCharts(
      StringBuilder b, List<FleetHistory.Sample> history, Map<String, String> names, long now) {
    Map<String, LinkedHashSet<String>> endpoints = new LinkedHashMap<>();
    for (FleetHistory.Sample s : history) {
      s.services()
          .forEach(
              (svc, eps) ->
                  endpoints.computeIfAbsent(svc, k -> new LinkedHashSet<>()).addAll(eps.keySet()));
    }
    b.append("<h2>Weights and queues</h2>\n");
    int n = 0;
    for (Map.Entry<String, LinkedHashSet<String>> svc : endpoints.entrySet()) {
      if (n++ >= FleetHistory.MAX_SERVICES) {
        break;
      }
      List<Charts.Series> weights = new ArrayList<>();
      List<Charts.Series> queues = new ArrayList<>();
      java.util.Map<String, Integer> colors = new LinkedHashMap<>();
      for (String label : names.values()) {
        colors.putIfAbsent(Charts.colorKey(label), colors.size());
      }
      List<String> ids = new ArrayList<>(svc.getValue());
      // legend in the demo's order (the same GPU, the same colour and place in every chart)
      ids.sort(
          java.util.Comparator.comparingInt(
              id ->
                  colors.getOrDefault(Charts.colorKey(names.getOrDefault(id, id)), colors.size())));
      for (String id : ids) {
        int color =
            colors.computeIfAbsent(Charts.colorKey(names.getOrDefault(id, id)), k -> colors.size());
        double[] x = new double[history.size()];
        double[] w = new double[history.size()];
        double[] q = new double[history.size()];
        for (int i = 0; i < history.size(); i++) {
          FleetHistory.Sample s = history.get(i);
          x[i] = (s.epochMillis() - now) / 1000.0;
          FleetHistory.Value v = s.services().getOrDefault(svc.getKey(), Map.of()).get(id);
          w[i] = v == null ? Double.NaN : v.weight();
          q[i] = v == null ? Double.NaN : v.queue();
        }
        String label = names.containsKey(id) ? names.get(id) + " " + id : id;
        weights.add(new Charts.Series(label, x, w, false, color));
        queues.add(new Charts.Series(label, x, q, false, color));
      }
      b.append(
          Charts.lines(
              "chart-weight-" + n,
              svc.getKey() + ": published weight per endpoint",
              "weight",
              weights,
              SPAN_SECONDS));
      b.append(
          Charts.lines(
              "chart-queue-" + n,
              svc.getKey() + ": queue (requests waiting) per endpoint",
              "waiting",
              queues,
              SPAN_SECONDS));
    }
  }

  private static double rollSeconds(List<DemoPanel.Point> points) {
    if (points.size() < 2) {
      return 2;
    }
    long d =
        points.get(points.size() - 1).epochMillis() - points.get(points.size() - 2).epochMillis();
    return Math.max(0.1, d / 1000.0);
  }

  private static String ms(double seconds) {
    return Double.isNaN(seconds) ? "–" : String.format(Locale.ROOT, "%.0f ms", seconds * 1000);
  }

  private static String rate(long count, double seconds) {
    return String.format(Locale.ROOT, "%.1f", count / seconds);
  }

  /** Action ids and tokens are ours, but keep them to URL-safe characters all the same. */
  private static String urlSafe(String s) {
    return s.replaceAll("[^A-Za-z0-9_.-]", "");
  }
}
