package dev.llmxds.sim.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** A grouped bar chart of TTFT p99 per policy per scenario (log scale), as PNG. */
public final class Plot {
  private static final Color[] COLORS = {
    new Color(0x9e9e9e),
    new Color(0x8d6e63),
    new Color(0x42a5f5),
    new Color(0xffa726),
    new Color(0x2e7d32),
    new Color(0xab47bc),
    new Color(0x212121)
  };

  private Plot() {}

  public static void ttftP99(Map<String, List<Result>> results, Path file) throws Exception {
    int w = 1400;
    int h = 720 + 20 * results.size();
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
    g.setColor(Color.WHITE);
    g.fillRect(0, 0, w, h);
    g.setColor(Color.BLACK);
    g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 18));
    g.drawString("TTFT p99 per routing policy (log scale, lower is better)", 70, 32);
    int left = 70;
    int top = 60;
    int bottom = 560;
    int plotW = w - left - 30;
    double lo = Math.log10(0.01);
    double hi = Math.log10(100);
    g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
    for (double v : new double[] {0.01, 0.1, 1, 10, 100}) {
      int y = (int) (bottom - (Math.log10(v) - lo) / (hi - lo) * (bottom - top));
      g.setColor(new Color(0xdddddd));
      g.drawLine(left, y, left + plotW, y);
      g.setColor(Color.DARK_GRAY);
      g.drawString(String.format(Locale.ROOT, v < 1 ? "%.2f s" : "%.0f s", v), 8, y + 4);
    }
    int groups = results.size();
    int groupW = plotW / groups;
    int gi = 0;
    List<Result> any = null;
    for (Map.Entry<String, List<Result>> e : results.entrySet()) {
      any = e.getValue();
      int n = e.getValue().size();
      int barW = (groupW - 30) / n;
      for (int i = 0; i < n; i++) {
        double v = Math.max(0.01, Math.min(100, e.getValue().get(i).ttftP99()));
        int y = (int) (bottom - (Math.log10(v) - lo) / (hi - lo) * (bottom - top));
        int x = left + gi * groupW + 15 + i * barW;
        g.setColor(COLORS[i % COLORS.length]);
        g.fillRect(x, y, barW - 2, bottom - y);
      }
      g.setColor(Color.BLACK);
      g.drawString("(" + (gi + 1) + ")", left + gi * groupW + groupW / 2 - 10, bottom + 18);
      gi++;
    }
    g.setStroke(new BasicStroke(1));
    g.drawLine(left, bottom, left + plotW, bottom);
    for (int i = 0; any != null && i < any.size(); i++) {
      int x = left + (i % 3) * 420;
      int y = bottom + 50 + (i / 3) * 24;
      g.setColor(COLORS[i % COLORS.length]);
      g.fillRect(x, y - 12, 16, 14);
      g.setColor(Color.BLACK);
      g.drawString(any.get(i).policy(), x + 24, y);
    }
    int y = bottom + 50 + ((any == null ? 0 : any.size()) + 2) / 3 * 24 + 10;
    int k = 1;
    for (String scenario : results.keySet()) {
      g.drawString("(" + k++ + ") " + scenario, left, y);
      y += 20;
    }
    g.dispose();
    Files.createDirectories(file.getParent());
    ImageIO.write(img, "png", file.toFile());
  }
}
