package dev.llmxds.load.prom;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * A strict parser for the Prometheus text exposition format (0.0.4) and the parts of OpenMetrics
 * that engines emit: HELP/TYPE in any order, escaped label values ({@code \\ \" \n}), NaN and ±Inf,
 * exponents, optional timestamps (integer milliseconds, or OpenMetrics float seconds), exemplars
 * (ignored), histograms and summaries as plain samples, no final newline, CRLF, {@code # EOF}. A
 * bad line is reported with its number and skipped; nothing throws.
 *
 * <p>Only samples whose metric name passes {@code wanted} are materialised, so a scrape that needs
 * five gauges out of five hundred lines allocates little.
 */
public final class PrometheusParser {
  static final int MAX_ERRORS = 20;

  private PrometheusParser() {}

  public static Exposition parse(CharSequence text) {
    return parse(text, name -> true);
  }

  public static Exposition parse(CharSequence text, Predicate<String> wanted) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new HashMap<>();
    List<String> errors = new ArrayList<>();
    int length = text.length();
    int pos = 0;
    int lineNo = 0;
    while (pos < length) {
      int end = pos;
      while (end < length && text.charAt(end) != '\n') {
        end++;
      }
      int lineEnd = end > pos && text.charAt(end - 1) == '\r' ? end - 1 : end;
      lineNo++;
      try {
        if (parseLine(text, pos, lineEnd, wanted, samples, types)) {
          break; // # EOF
        }
      } catch (ParseError e) {
        addError(errors, lineNo, e, text, pos, lineEnd);
      }
      pos = end + 1;
    }
    return new Exposition(samples, types, errors);
  }

  static void addError(
      List<String> errors, int lineNo, ParseError e, CharSequence text, int from, int to) {
    if (errors.size() < MAX_ERRORS) {
      errors.add("line " + lineNo + ": " + e.getMessage() + ": " + excerpt(text, from, to));
    } else if (errors.size() == MAX_ERRORS) {
      errors.add("more bad lines not listed");
    }
  }

  private static String excerpt(CharSequence text, int from, int to) {
    String line = text.subSequence(from, Math.min(to, from + 80)).toString();
    return to - from > 80 ? line + "..." : line;
  }

  /** Thrown for one bad line; cheap (no stack trace). */
  static final class ParseError extends Exception {
    ParseError(String message) {
      super(message, null, false, false);
    }
  }

  /** Returns true at {@code # EOF}. */
  static boolean parseLine(
      CharSequence t,
      int from,
      int to,
      Predicate<String> wanted,
      List<Sample> samples,
      Map<String, String> types)
      throws ParseError {
    int p = skipSpaces(t, from, to);
    if (p == to) {
      return false;
    }
    if (t.charAt(p) == '#') {
      return comment(t, p + 1, to, types);
    }
    int nameEnd = metricName(t, p, to);
    if (nameEnd == p) {
      throw new ParseError("expected a metric name");
    }
    String name = t.subSequence(p, nameEnd).toString();
    boolean keep = wanted.test(name);
    p = nameEnd;
    Map<String, String> labels = Map.of();
    if (p < to && t.charAt(p) == '{') {
      LinkedHashMap<String, String> parsed = keep ? new LinkedHashMap<>() : null;
      p = labels(t, p + 1, to, parsed);
      if (keep) {
        labels = parsed;
      }
    }
    int valueStart = skipSpaces(t, p, to);
    if (valueStart == p) {
      throw new ParseError("expected a space before the value");
    }
    int valueEnd = token(t, valueStart, to);
    double value = number(t, valueStart, valueEnd);
    Long timestamp = null;
    p = skipSpaces(t, valueEnd, to);
    if (p < to && t.charAt(p) != '#') {
      int tsEnd = token(t, p, to);
      timestamp = timestamp(t, p, tsEnd);
      p = skipSpaces(t, tsEnd, to);
    }
    if (p < to && t.charAt(p) != '#') {
      throw new ParseError("unexpected text after the value");
    }
    if (keep) {
      samples.add(new Sample(name, labels, value, timestamp));
    }
    return false;
  }

  private static boolean comment(CharSequence t, int p, int to, Map<String, String> types)
      throws ParseError {
    p = skipSpaces(t, p, to);
    int wordEnd = token(t, p, to);
    String word = t.subSequence(p, wordEnd).toString();
    if (word.equals("EOF")) {
      return true;
    }
    if (word.equals("TYPE")) {
      int nameStart = skipSpaces(t, wordEnd, to);
      int nameEnd = metricName(t, nameStart, to);
      if (nameEnd == nameStart) {
        throw new ParseError("TYPE without a metric name");
      }
      int typeStart = skipSpaces(t, nameEnd, to);
      String type = t.subSequence(typeStart, token(t, typeStart, to)).toString();
      switch (type) {
        case "counter",
            "gauge",
            "histogram",
            "summary",
            "untyped",
            "unknown",
            "gaugehistogram",
            "stateset",
            "info" -> {}
        default -> throw new ParseError("unknown metric type '" + type + "'");
      }
      types.put(t.subSequence(nameStart, nameEnd).toString(), type);
    }
    return false; // HELP and other comments carry nothing we need
  }

  private static int labels(CharSequence t, int p, int to, Map<String, String> out)
      throws ParseError {
    while (true) {
      p = skipSpaces(t, p, to);
      if (p >= to) {
        throw new ParseError("unterminated label set");
      }
      if (t.charAt(p) == '}') {
        return p + 1;
      }
      int nameEnd = labelName(t, p, to);
      if (nameEnd == p) {
        throw new ParseError("expected a label name");
      }
      String key = out == null ? null : t.subSequence(p, nameEnd).toString();
      p = skipSpaces(t, nameEnd, to);
      if (p >= to || t.charAt(p) != '=') {
        throw new ParseError("expected '=' after a label name");
      }
      p = skipSpaces(t, p + 1, to);
      if (p >= to || t.charAt(p) != '"') {
        throw new ParseError("label value must be quoted");
      }
      StringBuilder value = out == null ? null : new StringBuilder();
      p++;
      while (true) {
        if (p >= to) {
          throw new ParseError("unterminated label value");
        }
        char c = t.charAt(p);
        if (c == '"') {
          p++;
          break;
        }
        if (c == '\\') {
          if (p + 1 >= to) {
            throw new ParseError("unterminated escape in a label value");
          }
          char e = t.charAt(p + 1);
          char unescaped =
              switch (e) {
                case '\\' -> '\\';
                case '"' -> '"';
                case 'n' -> '\n';
                default -> throw new ParseError("invalid escape \\" + e + " in a label value");
              };
          if (value != null) {
            value.append(unescaped);
          }
          p += 2;
          continue;
        }
        if (value != null) {
          value.append(c);
        }
        p++;
      }
      if (out != null && out.put(key, value.toString()) != null) {
        throw new ParseError("label '" + key + "' appears twice");
      }
      p = skipSpaces(t, p, to);
      if (p < to && t.charAt(p) == ',') {
        p++;
      } else if (p < to && t.charAt(p) != '}') {
        throw new ParseError("expected ',' or '}' in a label set");
      }
    }
  }

  static double number(CharSequence t, int from, int to) throws ParseError {
    if (from == to) {
      throw new ParseError("missing value");
    }
    String s = t.subSequence(from, to).toString();
    switch (s.toLowerCase(java.util.Locale.ROOT)) {
      case "nan":
        return Double.NaN;
      case "inf", "+inf", "infinity", "+infinity":
        return Double.POSITIVE_INFINITY;
      case "-inf", "-infinity":
        return Double.NEGATIVE_INFINITY;
      default:
        break;
    }
    // Double.parseDouble also takes "1d", "2f", hex floats and "Infinity" spellings: check first
    int i = 0;
    int n = s.length();
    if (s.charAt(i) == '+' || s.charAt(i) == '-') {
      i++;
    }
    int digits = 0;
    while (i < n && isDigit(s.charAt(i))) {
      i++;
      digits++;
    }
    if (i < n && s.charAt(i) == '.') {
      i++;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        digits++;
      }
    }
    if (digits == 0) {
      throw new ParseError("'" + s + "' is not a number");
    }
    if (i < n && (s.charAt(i) == 'e' || s.charAt(i) == 'E')) {
      i++;
      if (i < n && (s.charAt(i) == '+' || s.charAt(i) == '-')) {
        i++;
      }
      int expDigits = 0;
      while (i < n && isDigit(s.charAt(i))) {
        i++;
        expDigits++;
      }
      if (expDigits == 0) {
        throw new ParseError("'" + s + "' is not a number");
      }
    }
    if (i != n) {
      throw new ParseError("'" + s + "' is not a number");
    }
    return Double.parseDouble(s);
  }

  private static Long timestamp(CharSequence t, int from, int to) throws ParseError {
    double v = number(t, from, to);
    if (!Double.isFinite(v)) {
      throw new ParseError("timestamp must be finite");
    }
    boolean seconds = false;
    for (int i = from; i < to; i++) {
      char c = t.charAt(i);
      seconds |= c == '.' || c == 'e' || c == 'E';
    }
    return seconds ? Math.round(v * 1000) : (long) v;
  }

  private static boolean isDigit(char c) {
    return c >= '0' && c <= '9';
  }

  private static int skipSpaces(CharSequence t, int p, int to) {
    while (p < to && (t.charAt(p) == ' ' || t.charAt(p) == '\t')) {
      p++;
    }
    return p;
  }

  private static int token(CharSequence t, int p, int to) {
    while (p < to && t.charAt(p) != ' ' && t.charAt(p) != '\t') {
      p++;
    }
    return p;
  }

  private static int metricName(CharSequence t, int p, int to) {
    int start = p;
    while (p < to) {
      char c = t.charAt(p);
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '_'
              || c == ':'
              || (p > start && isDigit(c));
      if (!ok) {
        break;
      }
      p++;
    }
    return p;
  }

  private static int labelName(CharSequence t, int p, int to) {
    int start = p;
    while (p < to) {
      char c = t.charAt(p);
      boolean ok =
          (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (p > start && isDigit(c));
      if (!ok) {
        break;
      }
      p++;
    }
    return p;
  }
}
