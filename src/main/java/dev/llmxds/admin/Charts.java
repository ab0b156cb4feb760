package dev.llmxds.admin;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Server-side SVG charts for the admin page: no script, no external resource, readable in any
 * browser (and in a text dump: every series carries its name and last value as attributes). Colours
 * are presentation attributes, not inline styles, so the page's CSP stays as strict as before.
 */
final class Charts {
  static final String[] PALETTE = {
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
    "#7f7f7f", "#bcbd22"
  };
  private static final int W = 560;
  private static final int H = 200;
  private static final int LEFT = 48;
  private static final int RIGHT = 12;
  private static final int TOP = 12;
  private static final int BOTTOM = 24;

  /** One line: a name, and y values at x values (seconds before now, negative); NaN = gap. */
  record Series(String name, double[] x, double[] y, boolean dashed, int color) {}

  private Charts() {}

  static String color(int i) {
    return PALETTE[Math.floorMod(i, PALETTE.length)];
  }

  /**
   * A line chart over the last {@code spanSeconds}. Each series is a {@code polyline} with {@code
   * data-series} (its escaped name), {@code data-points} and {@code data-last}.
   */
  static String lines(
      String id, String title, String unit, List<Series> series, double spanSeconds) {
    double max = 0;
    for (Series s : series) {
      for (double v : s.y()) {
        if (!Double.isNaN(v)) {
          max = Math.max(max, v);
        }
      }
    }
    max = niceCeiling(max);
    StringBuilder b = new StringBuilder(4096);
    openFigure(b, id, title, H);
    axes(b, max, unit, spanSeconds);
    for (int i = 0; i < series.size(); i++) {
      Series s = series.get(i);
      StringBuilder pts = new StringBuilder();
      int n = 0;
      double last = Double.NaN;
      for (int k = 0; k < s.x().length; k++) {
        double v = s.y()[k];
        if (Double.isNaN(v)) {
          continue;
        }
        pts.append(num(px(s.x()[k], spanSeconds))).append(',').append(num(py(v, max))).append(' ');
        n++;
        last = v;
      }
      b.append("<polyline class=\"series\" fill=\"none\" stroke-width=\"2\" stroke=\"")
          .append(color(s.color()))
          .append(s.dashed() ? "\" stroke-dasharray=\"5 3" : "")
          .append("\" data-series=\"")
          .append(HtmlPage.esc(s.name()))
          .append("\" data-points=\"")
          .append(n)
          .append("\" data-last=\"")
          .append(Double.isNaN(last) ? "" : num(last))
          .append("\" points=\"")
          .append(pts.toString().trim())
          .append("\"><title>")
          .append(HtmlPage.esc(s.name()))
          .append(Double.isNaN(last) ? "" : ": " + num(last) + " " + HtmlPage.esc(unit))
          .append("</title></polyline>\n");
    }
    b.append("</svg>\n");
    legend(b, series.stream().map(Series::name).toList(), series);
    b.append("</figure>\n");
    return b.toString();
  }

  /**
   * Horizontal bars: for each group, requests per endpoint (the same colour per endpoint in every
   * group). Each bar is a {@code rect} with {@code data-group}, {@code data-endpoint} and {@code
   * data-count}.
   */
  static String bars(
      String id,
      String title,
      Map<String, Map<String, Long>> byGroup,
      List<String> endpoints,
      Map<String, String> names) {
    int rowH = 26;
    int h = TOP + rowH * Math.max(1, byGroup.size()) + BOTTOM;
    int labelW = 150;
    StringBuilder b = new StringBuilder(2048);
    openFigure(b, id, title, h);
    int row = 0;
    java.util.LinkedHashMap<String, Integer> colors = new java.util.LinkedHashMap<>();
    for (String e : endpoints) {
      colors.putIfAbsent(colorKey(names.getOrDefault(e, e)), colors.size());
    }
    for (Map.Entry<String, Map<String, Long>> g : byGroup.entrySet()) {
      long total = g.getValue().values().stream().mapToLong(Long::longValue).sum();
      int y = TOP + row * rowH;
      b.append("<text x=\"0\" y=\"")
          .append(y + 16)
          .append("\" font-size=\"12\">")
          .append(HtmlPage.esc(g.getKey()))
          .append("</text>\n");
      double x = labelW;
      double width = W - labelW - RIGHT;
      for (int i = 0; i < endpoints.size(); i++) {
        long c = g.getValue().getOrDefault(endpoints.get(i), 0L);
        if (c == 0 || total == 0) {
          continue;
        }
        double w = width * c / total;
        b.append("<rect x=\"")
            .append(num(x))
            .append("\" y=\"")
            .append(y + 2)
            .append("\" width=\"")
            .append(num(w))
            .append("\" height=\"")
            .append(rowH - 6)
            .append("\" fill=\"")
            .append(
                color(colors.get(colorKey(names.getOrDefault(endpoints.get(i), endpoints.get(i))))))
            .append("\" data-group=\"")
            .append(HtmlPage.esc(g.getKey()))
            .append("\" data-endpoint=\"")
            .append(HtmlPage.esc(endpoints.get(i)))
            .append("\" data-count=\"")
            .append(c)
            .append("\"><title>")
            .append(HtmlPage.esc(names.getOrDefault(endpoints.get(i), endpoints.get(i))))
            .append(": ")
            .append(c)
            .append(String.format(Locale.ROOT, " (%.0f %%)", 100.0 * c / total))
            .append("</title></rect>\n");
        if (w > 34) {
          b.append("<text x=\"")
              .append(num(x + 4))
              .append("\" y=\"")
              .append(y + 16)
              .append("\" font-size=\"11\" fill=\"#fff\">")
              .append(String.format(Locale.ROOT, "%.0f%%", 100.0 * c / total))
              .append("</text>\n");
        }
        x += w;
      }
      row++;
    }
    b.append("</svg>\n");
    b.append("<div class=\"legend\">");
    for (Map.Entry<String, Integer> c : colors.entrySet()) {
      b.append("<span><svg width=\"10\" height=\"10\"><rect width=\"10\" height=\"10\" fill=\"")
          .append(color(c.getValue()))
          .append("\"/></svg> ")
          .append(HtmlPage.esc(c.getKey()))
          .append("</span> ");
    }
    b.append("</div></figure>\n");
    return b.toString();
  }

  /** The part of a label before " (": the same GPU keeps its colour when its speed changes. */
  static String colorKey(String label) {
    int i = label.indexOf(" (");
    return i < 0 ? label : label.substring(0, i);
  }

  private static void legend(StringBuilder b, List<String> labels, List<Series> series) {
    b.append("<div class=\"legend\">");
    for (int i = 0; i < labels.size(); i++) {
      b.append("<span><svg width=\"18\" height=\"10\"><line x1=\"0\" y1=\"5\" x2=\"18\" y2=\"5\"")
          .append(" stroke-width=\"2\" stroke=\"")
          .append(color(series.get(i).color()))
          .append(series.get(i).dashed() ? "\" stroke-dasharray=\"5 3" : "")
          .append("\"/></svg> ")
          .append(HtmlPage.esc(labels.get(i)))
          .append("</span> ");
    }
    b.append("</div>");
  }

  private static void axes(StringBuilder b, double max, String unit, double span) {
    int x0 = LEFT;
    int y0 = H - BOTTOM;
    b.append("<g stroke=\"#bbb\" stroke-width=\"1\">");
    for (int k = 0; k <= 4; k++) {
      double y = py(max * k / 4, max);
      b.append("<line x1=\"")
          .append(x0)
          .append("\" y1=\"")
          .append(num(y))
          .append("\" x2=\"")
          .append(W - RIGHT)
          .append("\" y2=\"")
          .append(num(y))
          .append(k == 0 ? "\"/>" : "\" stroke-dasharray=\"2 3\"/>");
    }
    b.append("</g>\n<g font-size=\"11\" fill=\"#555\">");
    for (int k = 0; k <= 4; k++) {
      b.append("<text x=\"")
          .append(x0 - 4)
          .append("\" y=\"")
          .append(num(py(max * k / 4, max) + 4))
          .append("\" text-anchor=\"end\">")
          .append(num(max * k / 4))
          .append("</text>");
    }
    b.append("<text x=\"")
        .append(x0)
        .append("\" y=\"")
        .append(y0 + 16)
        .append("\">")
        .append(String.format(Locale.ROOT, "-%.0f s", span))
        .append("</text><text x=\"")
        .append(W - RIGHT)
        .append("\" y=\"")
        .append(y0 + 16)
        .append("\" text-anchor=\"end\">now</text><text x=\"")
        .append(x0 + 4)
        .append("\" y=\"")
        .append(TOP + 10)
        .append("\">")
        .append(HtmlPage.esc(unit))
        .append("</text></g>\n");
  }

  private static double px(double secondsAgoNegative, double span) {
    double f = (secondsAgoNegative + span) / span;
    return LEFT + Math.max(0, Math.min(1, f)) * (W - LEFT - RIGHT);
  }

  private static double py(double v, double max) {
    double f = max <= 0 ? 0 : v / max;
    return (H - BOTTOM) - Math.max(0, Math.min(1, f)) * (H - BOTTOM - TOP);
  }

  /** 1, 2, 5 × 10^k at or above {@code v} (at least 1). */
  static double niceCeiling(double v) {
    if (!(v > 1)) {
      return 1;
    }
    double p = Math.pow(10, Math.floor(Math.log10(v)));
    for (double m : new double[] {1, 2, 5, 10}) {
      if (m * p >= v) {
        return m * p;
      }
    }
    return 10 * p;
  }

  static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%.2f", v);
  }

  /** Opens a captioned figure with an accessible SVG of the page's width and {@code height}. */
  private static void openFigure(StringBuilder b, String id, String title, int height) {
    b.append("<figure class=\"chart\"><figcaption>")
        .append(HtmlPage.esc(title))
        .append("</figcaption>\n<svg id=\"")
        .append(HtmlPage.esc(id))
        .append("\" xmlns=\"http://www.w3.org/2000/svg\" width=\"")
        .append(W)
        .append("\" height=\"")
        .append(height)
        .append("\" viewBox=\"0 0 ")
        .append(W)
        .append(' ')
        .append(height)
        .append("\" role=\"img\" aria-label=\"")
        .append(HtmlPage.esc(title))
        .append("\">\n");
  }
}
