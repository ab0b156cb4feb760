package dev.llmxds.admin;

import java.util.List;
import java.util.Map;

/**
 * What the demo adds to the admin page, supplied by the demo's wiring (the admin package never sees
 * the demo): the sidecar groups' latency and where their requests went, readable names for the
 * endpoints, and the buttons a visitor may press.
 */
public interface DemoPanel {
  /**
   * One sidecar group at one point.
   *
   * @param p50 TTFT median over the last seconds (NaN: no sample)
   * @param p99 TTFT 99th percentile over the last seconds (NaN: no sample)
   * @param answered requests answered since the previous point
   * @param failed requests failed since the previous point
   * @param sent requests sent since the previous point, per endpoint id
   */
  record GroupPoint(double p50, double p99, long answered, long failed, Map<String, Long> sent) {}

  /** One point of the demo's history: group name to its numbers. */
  record Point(long epochMillis, Map<String, GroupPoint> groups) {}

  /** A group of sidecars: its name and how it balances. */
  record Group(String name, String how, int sidecars) {}

  /** A button: its id (sent back on POST) and its label. */
  record Action(String id, String label) {}

  /**
   * Everything the page shows.
   *
   * @param story a paragraph telling the visitor what they look at
   * @param endpointNames readable names of endpoint ids ("127.0.0.1:8001" → "a10-c2 (0.4x)")
   * @param lastAction what the last button did, or empty
   */
  record View(
      String story,
      List<Group> groups,
      List<Point> points,
      Map<String, String> endpointNames,
      List<Action> actions,
      String lastAction) {}

  View view();

  /**
   * Runs the action with this id (one of {@link View#actions()}); returns what it did.
   *
   * @throws IllegalArgumentException for an unknown id
   */
  String act(String id);
}
