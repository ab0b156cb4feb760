package dev.llmxds.admin;

import dev.llmxds.admin.v1.Endpoint;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.Node;
import dev.llmxds.admin.v1.Nodes;
import dev.llmxds.admin.v1.Service;
import dev.llmxds.admin.v1.TypeStatus;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** The admin home page: server-rendered HTML from the same messages the JSON API returns. */
final class HtmlPage {
  /** The page's only style sheet; the CSP allows exactly this text by its hash, and no script. */
  private static final String STYLE =
      """
      body { font: 14px system-ui, sans-serif; margin: 1.5em; color: #222; }
      h1 { font-size: 1.4em; } h2 { font-size: 1.15em; margin-top: 1.6em; } h3 { font-size: 1em; }
      table { border-collapse: collapse; margin: .4em 0 1em; }
      th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: left; }
      th { background: #f3f3f3; } td.num { text-align: right; font-variant-numeric: tabular-nums; }
      .HEALTHY { color: #176d2c; } .DEGRADED { color: #a36b00; }
      .UNHEALTHY, .DRAINING, .err { color: #b3261e; } .muted { color: #777; }
      figure.chart { display: inline-block; margin: 0 1.5em 1em 0; vertical-align: top; }
      figcaption { font-weight: 600; margin-bottom: .2em; }
      .legend { font-size: 12px; max-width: 560px; } .legend span { margin-right: .8em; }
      form.action { display: inline-block; margin: 0 .4em .4em 0; }
      .story { max-width: 60em; }
      """;

  /**
   * The Content-Security-Policy of every admin response: nothing may load or run but the page's own
   * style sheet (by hash); no script, frames, base URL or plugins; forms (the demo's buttons) post
   * only to this origin.
   */
  static final String CONTENT_SECURITY_POLICY =
      "default-src 'none'; style-src '"
          + sha256(STYLE)
          + "'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

  private HtmlPage() {}

  private static String sha256(String text) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      return "sha256-" + Base64.getEncoder().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /** A health name as a CSS class: only the letters and underscores the enum names use. */
  private static String cssClass(String health) {
    return health.replaceAll("[^A-Za-z_]", "");
  }

  static String render(Fleet fleet, Nodes nodes) {
    return render(fleet, nodes, List.of(), null, "", System.currentTimeMillis());
  }

  /**
   * The page; with {@code history} it draws weight and queue charts, with {@code demo} the demo's
   * story, latency per sidecar group, where requests went and its buttons (posting {@code token}).
   */
  static String render(
      Fleet fleet,
      Nodes nodes,
      List<FleetHistory.Sample> history,
      DemoPanel.View demo,
      String token,
      long nowMillis) {
    StringBuilder b = new StringBuilder(16_384);
    b.append(
            """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="2">
            <title>llm-xds</title>
            <style>""")
        .append(STYLE)
        .append("</style></head><body>\n<h1>llm-xds</h1>\n");
    var d = fleet.getDiscovery();
    b.append("<p>Discovery <b>")
        .append(esc(d.getSource()))
        .append("</b>: last success ")
        .append(esc(d.getLastSuccess().isEmpty() ? "never" : d.getLastSuccess()));
    if (!d.getLastError().isEmpty()) {
      b.append(d.getFailing() ? " — <span class=\"err\">failing: " : " — last error: ")
          .append(esc(d.getLastError()))
          .append(d.getFailing() ? "</span>" : "");
    }
    b.append(". Publications ")
        .append(fleet.getPublications())
        .append(", weight updates ")
        .append(fleet.getWeightUpdates())
        .append(". <a href=\"/api/fleet\">/api/fleet</a> · ")
        .append("<a href=\"/api/nodes\">/api/nodes</a> · <a href=\"/metrics\">/metrics</a></p>\n");
    if (demo != null) {
      DemoSection.render(b, demo, token, nowMillis);
    }
    if (history.size() > 1) {
      DemoSection.fleetCharts(
          b, history, demo == null ? Map.of() : demo.endpointNames(), nowMillis);
    }
    b.append("<h2>Services</h2>\n");
    for (Service s : fleet.getServicesList()) {
      b.append("<h3>")
          .append(esc(s.getName()))
          .append(" <span class=\"muted\">models: ")
          .append(esc(String.join(", ", s.getModelsList())))
          .append("; queue ")
          .append(fmt(s.getQueueDepth()))
          .append(", running ")
          .append(fmt(s.getRunning()));
      if (s.hasKvUsage()) {
        b.append(", KV ").append(pct(s.getKvUsage()));
      }
      b.append("</span></h3>\n");
      Map<String, List<Endpoint>> byZone = new TreeMap<>();
      for (Endpoint e : s.getEndpointsList()) {
        String zone =
            e.getRegion().isEmpty() && e.getZone().isEmpty()
                ? "(no zone)"
                : e.getRegion() + " / " + e.getZone();
        byZone.computeIfAbsent(zone, k -> new java.util.ArrayList<>()).add(e);
      }
      b.append("<table class=\"endpoints\"><tr><th>zone</th><th>endpoint</th><th>health</th>")
          .append("<th>static</th><th>weight</th><th>running</th><th>queue</th><th>KV</th>")
          .append("<th>decode tok/s per seq</th>")
          .append("<th>engine</th><th>scraped</th></tr>\n");
      byZone.forEach(
          (zone, endpoints) -> {
            for (Endpoint e : endpoints) {
              b.append("<tr><td>")
                  .append(esc(zone))
                  .append("</td><td>")
                  .append(esc(e.getId()))
                  .append(e.getBackup() ? " <span class=\"muted\">backup</span>" : "")
                  .append("</td><td class=\"")
                  .append(cssClass(e.getHealth()))
                  .append("\">")
                  .append(esc(e.getHealth()))
                  .append("</td><td class=\"num\">")
                  .append(e.getStaticWeight())
                  .append("</td><td class=\"num\">")
                  .append(e.getWeight())
                  .append("</td><td class=\"num\">")
                  .append(e.hasLoad() ? fmt(e.getLoad().getRunning()) : "")
                  .append("</td><td class=\"num\">")
                  .append(e.hasLoad() ? fmt(e.getLoad().getWaiting()) : "")
                  .append("</td><td class=\"num\">")
                  .append(
                      e.hasLoad() && e.getLoad().hasKvUsage() ? pct(e.getLoad().getKvUsage()) : "")
                  .append("</td><td class=\"num\">")
                  .append(
                      e.hasLoad() && e.getLoad().hasDecodeTokensPerSecond()
                          ? fmt(e.getLoad().getDecodeTokensPerSecond())
                          : "")
                  .append("</td><td>")
                  .append(esc(e.getEngine()))
                  .append("</td><td>");
              if (!e.getScrapeError().isEmpty()) {
                b.append("<span class=\"err\">").append(esc(e.getScrapeError())).append("</span>");
              } else if (e.hasScrapeAgeSeconds()) {
                b.append(String.format(Locale.ROOT, "%.1f s ago", e.getScrapeAgeSeconds()));
              }
              b.append("</td></tr>\n");
            }
          });
      b.append("</table>\n");
    }
    b.append("<h2>Connected Envoys and gRPC clients</h2>\n");
    b.append("<table class=\"nodes\"><tr><th>node</th><th>kind</th><th>zone</th><th>stream</th>")
        .append("<th>ACKed versions</th><th>NACKs</th><th>last NACK</th></tr>\n");
    for (Node n : nodes.getNodesList()) {
      StringBuilder acked = new StringBuilder();
      long nacks = 0;
      String lastNack = "";
      for (Map.Entry<String, TypeStatus> t : new TreeMap<>(n.getTypesMap()).entrySet()) {
        acked
            .append(esc(t.getKey()))
            .append(' ')
            .append(esc(t.getValue().getAckedVersion()))
            .append("<br>");
        nacks += t.getValue().getNacks();
        if (t.getValue().hasLastNack()) {
          lastNack =
              t.getKey()
                  + " "
                  + t.getValue().getLastNack().getVersion()
                  + ": "
                  + t.getValue().getLastNack().getError();
        }
      }
      b.append("<tr><td>")
          .append(esc(n.getNodeId()))
          .append("</td><td>")
          .append(esc(n.getKind()))
          .append("</td><td>")
          .append(esc(n.getRegion() + " / " + n.getZone()))
          .append("</td><td>")
          .append(n.getStreamId())
          .append(n.getDelta() ? " (delta)" : "")
          .append("</td><td>")
          .append(acked)
          .append("</td><td class=\"num\">")
          .append(nacks)
          .append("</td><td class=\"err\">")
          .append(esc(lastNack))
          .append("</td></tr>\n");
    }
    if (nodes.getNodesCount() == 0) {
      b.append("<tr><td colspan=\"7\" class=\"muted\">none connected yet</td></tr>\n");
    }
    b.append("</table>\n</body></html>\n");
    return b.toString();
  }

  private static String fmt(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.1f", v);
  }

  private static String pct(double v) {
    return String.format(Locale.ROOT, "%.0f %%", v * 100);
  }

  static String esc(String s) {
    StringBuilder b = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
