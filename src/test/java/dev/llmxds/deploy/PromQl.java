package dev.llmxds.deploy;

import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The metric names a PromQL expression reads, found by tokenising it (there is no PromQL parser on
 * the classpath, and {@code promtool} is not installed here): string literals, label matchers
 * ({@code {...}}), ranges ({@code [...]}), Grafana variables ({@code $x}, {@code ${x}}) and the
 * label lists of {@code by}, {@code without}, {@code on}, {@code ignoring}, {@code group_left} and
 * {@code group_right} are removed; of the identifiers left, one followed by {@code (} must be a
 * known function or aggregation (so a misspelt function fails too), keywords are skipped, and every
 * other one is a metric name.
 */
final class PromQl {
  private PromQl() {}

  static final Set<String> FUNCTIONS =
      Set.of(
          // aggregations
          "sum",
          "avg",
          "min",
          "max",
          "count",
          "stddev",
          "stdvar",
          "topk",
          "bottomk",
          "quantile",
          "count_values",
          "group",
          "limitk",
          "limit_ratio",
          // functions
          "abs",
          "absent",
          "absent_over_time",
          "avg_over_time",
          "ceil",
          "changes",
          "clamp",
          "clamp_max",
          "clamp_min",
          "count_over_time",
          "day_of_month",
          "day_of_week",
          "day_of_year",
          "days_in_month",
          "delta",
          "deriv",
          "exp",
          "floor",
          "histogram_avg",
          "histogram_count",
          "histogram_fraction",
          "histogram_quantile",
          "histogram_sum",
          "holt_winters",
          "hour",
          "idelta",
          "increase",
          "irate",
          "label_join",
          "label_replace",
          "last_over_time",
          "ln",
          "log10",
          "log2",
          "max_over_time",
          "min_over_time",
          "minute",
          "month",
          "predict_linear",
          "present_over_time",
          "quantile_over_time",
          "rate",
          "resets",
          "round",
          "scalar",
          "sgn",
          "sort",
          "sort_desc",
          "sqrt",
          "stddev_over_time",
          "stdvar_over_time",
          "sum_over_time",
          "time",
          "timestamp",
          "vector",
          "year");

  static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "bool",
          "offset",
          "inf",
          "nan",
          "atan2");

  private static final Pattern GROUPING =
      Pattern.compile("(?i)\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENT =
      Pattern.compile("(?<![\\w.:])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?");
  private static final Pattern LABEL_VALUES =
      Pattern.compile("^\\s*label_values\\((.*),\\s*[a-zA-Z_]\\w*\\s*\\)\\s*$", Pattern.DOTALL);

  /** The metric names {@code expr} reads; throws on an unknown function. */
  static Set<String> metricNames(String expr) {
    String s =
        expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", "\"\"")
            .replaceAll("'(\\\\.|[^'\\\\])*'", "''")
            .replaceAll("`[^`]*`", "``")
            .replaceAll("\\{[^}]*\\}", "{}")
            .replaceAll("\\[[^\\]]*\\]", "[]")
            .replaceAll("\\$\\{?\\w+\\}?", " ");
    s = GROUPING.matcher(s).replaceAll(" ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String id = m.group(1);
      if (KEYWORDS.contains(id.toLowerCase(Locale.ROOT))) {
        continue; // a bare "on", "group_left", "and"...
      }
      if (m.group(2) == null) {
        names.add(id);
      } else if (!FUNCTIONS.contains(id)) {
        throw new IllegalArgumentException("unknown PromQL function " + id + " in " + expr);
      }
    }
    return names;
  }

  /**
   * The metric names of a Grafana Prometheus variable query: {@code label_values(expr, label)}
   * reads {@code expr}'s names; {@code label_values(label)} reads none; anything else is PromQL.
   */
  static Set<String> variableMetricNames(String query) {
    Matcher m = LABEL_VALUES.matcher(query);
    if (m.matches()) {
      return metricNames(m.group(1));
    }
    if (query.strip().matches("label_values\\(\\s*\\w+\\s*\\)")) {
      return Set.of();
    }
    return metricNames(query);
  }
}
