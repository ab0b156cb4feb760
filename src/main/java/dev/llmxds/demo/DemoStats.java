package dev.llmxds.demo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the demo's sidecars saw, per group ("llm-xds weights", "plain least request"): time to first
 * token of every request and where it went, rolled up into a bounded history of points.
 * Thread-safe; memory is bounded by {@link #MAX_POINTS} points and {@link #MAX_SAMPLES} samples per
 * group and bucket.
 */
public final class DemoStats {
  /** Points kept: five minutes at one point per two seconds. */
  public static final int MAX_POINTS = 150;

  /** TTFT samples kept per group and bucket (beyond it, requests are counted but not sampled). */
  public static final int MAX_SAMPLES = 4_000;

  /** Buckets a percentile spans: the last ten seconds at one bucket per two seconds. */
  public static final int WINDOW_BUCKETS = 5;

  /**
   * One group at one point.
   *
   * @param p50 TTFT median over the window, seconds (NaN without samples)
   * @param p99 TTFT 99th percentile over the window, seconds (NaN without samples)
   * @param requests requests answered in this bucket
   * @param failed requests failed in this bucket
   * @param byEndpoint requests sent in this bucket per endpoint ("address:port")
   */
  public record GroupPoint(
      double p50, double p99, long requests, long failed, Map<String, Long> byEndpoint) {}

  /** One point of the history. */
  public record Point(long epochMillis, Map<String, GroupPoint> groups) {}

  private static final class Bucket {
    double[] samples = new double[64];
    int n;
    long requests;
    long failed;
    final Map<String, Long> sent = new TreeMap<>();

    void add(double v) {
      requests++;
      if (n < MAX_SAMPLES) {
        if (n == samples.length) {
          samples = Arrays.copyOf(samples, Math.min(MAX_SAMPLES, n * 2));
        }
        samples[n++] = v;
      }
    }
  }

  private final List<String> groups;
  private final Map<String, Bucket> current = new LinkedHashMap<>();
  private final Map<String, ArrayDeque<Bucket>> window = new LinkedHashMap<>();
  private final ArrayDeque<Point> points = new ArrayDeque<>();
  private final Map<String, long[]> totals = new LinkedHashMap<>();

  public DemoStats(List<String> groups) {
    this.groups = List.copyOf(groups);
    for (String g : groups) {
      current.put(g, new Bucket());
      window.put(g, new ArrayDeque<>());
      totals.put(g, new long[2]);
    }
  }

  public List<String> groups() {
    return groups;
  }

  /** A request of {@code group} was sent to {@code endpoint}. */
  public synchronized void sent(String group, String endpoint) {
    Bucket b = current.get(group);
    if (b != null && (b.sent.containsKey(endpoint) || b.sent.size() < 256)) {
      b.sent.merge(endpoint, 1L, Long::sum);
    }
  }

  /** A request of {@code group} got its first token after {@code ttftSeconds}. */
  public synchronized void firstToken(String group, double ttftSeconds) {
    Bucket b = current.get(group);
    if (b != null) {
      b.add(ttftSeconds);
      totals.get(group)[0]++;
    }
  }

  public synchronized void failed(String group) {
    Bucket b = current.get(group);
    if (b != null) {
      b.failed++;
      totals.get(group)[1]++;
    }
  }

  /** Requests answered and failed so far by {@code group}. */
  public synchronized long[] totals(String group) {
    long[] t = totals.get(group);
    return t == null ? new long[2] : t.clone();
  }

  /** Closes the current bucket into a point stamped {@code epochMillis}. */
  public synchronized Point roll(long epochMillis) {
    Map<String, GroupPoint> out = new LinkedHashMap<>();
    for (String g : groups) {
      Bucket b = current.put(g, new Bucket());
      ArrayDeque<Bucket> w = window.get(g);
      w.addLast(b);
      while (w.size() > WINDOW_BUCKETS) {
        w.removeFirst();
      }
      int n = 0;
      for (Bucket x : w) {
        n += x.n;
      }
      double[] all = new double[n];
      int i = 0;
      for (Bucket x : w) {
        System.arraycopy(x.samples, 0, all, i, x.n);
        i += x.n;
      }
      Arrays.sort(all);
      out.put(
          g,
          new GroupPoint(
              quantile(all, 0.5), quantile(all, 0.99), b.requests, b.failed, Map.copyOf(b.sent)));
    }
    Point p = new Point(epochMillis, out);
    points.addLast(p);
    while (points.size() > MAX_POINTS) {
      points.removeFirst();
    }
    return p;
  }

  /** The history, oldest first. */
  public synchronized List<Point> points() {
    return new ArrayList<>(points);
  }

  /** The {@code q} quantile of sorted {@code v} (nearest rank), NaN when empty. */
  static double quantile(double[] v, double q) {
    if (v.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * v.length);
    return v[Math.max(0, Math.min(v.length - 1, rank - 1))];
  }
}
