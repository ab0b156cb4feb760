package dev.llmxds.load.prom;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link PrometheusParser} over the raw body bytes, for a fixed set of metric names: a line whose
 * metric name is not wanted is skipped by comparing its name bytes with the wanted names and
 * jumping to the next newline eight bytes at a time; no String, no number is built for it. A wanted
 * line (and a {@code # TYPE} line of a wanted family, and {@code # EOF}) is decoded on its own and
 * parsed by {@link PrometheusParser}'s line parser, so the samples, types and errors of those lines
 * are exactly what {@code PrometheusParser.parse(text, names::contains)} gives.
 *
 * <p>Differences, by design: {@link Exposition#types()} holds only the wanted families' types, and
 * {@link Exposition#errors()} reports only bad wanted lines (an unwanted line is never validated).
 * Thread-safe and immutable: build one per name set and share it.
 */
public final class FilteredParser {
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
  private static final long ONES = 0x0101010101010101L;
  private static final long HIGHS = 0x8080808080808080L;
  private static final long NEWLINES = ONES * '\n';
  private static final String[] SUFFIXES = {
    "_total", "_bucket", "_count", "_sum", "_created", "_info", "_gcount", "_gsum"
  };

  private final Set<String> names;
  private final Set<String> families;

  /** Wanted sample names by length in bytes (all ASCII). */
  private final byte[][][] byLength;

  /** Wanted family names by length in bytes, for TYPE lines. */
  private final byte[][][] familiesByLength;

  public FilteredParser(Set<String> names) {
    this.names = Set.copyOf(names);
    Set<String> fams = new HashSet<>(this.names);
    for (String n : this.names) {
      for (String suffix : SUFFIXES) {
        if (n.endsWith(suffix) && n.length() > suffix.length()) {
          fams.add(n.substring(0, n.length() - suffix.length()));
        }
      }
    }
    this.families = Set.copyOf(fams);
    this.byLength = index(this.names);
    this.familiesByLength = index(this.families);
  }

  private static byte[][][] index(Set<String> names) {
    Map<Integer, List<byte[]>> grouped = new HashMap<>();
    int max = 0;
    for (String n : names) {
      byte[] b = n.getBytes(StandardCharsets.UTF_8);
      grouped.computeIfAbsent(b.length, k -> new ArrayList<>()).add(b);
      max = Math.max(max, b.length);
    }
    byte[][][] out = new byte[max + 1][][];
    grouped.forEach((len, list) -> out[len] = list.toArray(new byte[0][]));
    return out;
  }

  /** The names whose samples are kept. */
  public Set<String> names() {
    return names;
  }

  /** The families whose {@code # TYPE} is kept: the names, and the names less a type suffix. */
  public Set<String> families() {
    return families;
  }

  public Exposition parse(byte[] text) {
    return parse(text, 0, text.length);
  }

  /** Parses {@code text[from, to)}. Never throws for bad input: bad wanted lines are reported. */
  public Exposition parse(byte[] text, int from, int to) {
    List<Sample> samples = new ArrayList<>();
    Map<String, String> types = new HashMap<>();
    List<String> errors = new ArrayList<>();
    int pos = from;
    int lineNo = 0;
    while (pos < to) {
      lineNo++;
      int p = skipSpaces(text, pos, to);
      boolean parse;
      if (p >= to || text[p] == '\n' || text[p] == '\r') {
        parse = false; // blank
      } else if (text[p] == '#') {
        parse = wantedComment(text, p + 1, to);
      } else {
        parse = matches(byLength, text, p, metricName(text, p, to));
      }
      int end = newline(text, p, to);
      if (parse && line(text, pos, end, lineNo, samples, types, errors)) {
        break; // # EOF
      }
      pos = end + 1;
    }
    return new Exposition(samples, types, errors);
  }

  /** Parses one wanted line as {@link PrometheusParser} would; returns true at {@code # EOF}. */
  private boolean line(
      byte[] text,
      int from,
      int end,
      int lineNo,
      List<Sample> samples,
      Map<String, String> types,
      List<String> errors) {
    int lineEnd = end > from && text[end - 1] == '\r' ? end - 1 : end;
    String line = new String(text, from, lineEnd - from, StandardCharsets.UTF_8);
    try {
      return PrometheusParser.parseLine(line, 0, line.length(), names::contains, samples, types);
    } catch (PrometheusParser.ParseError e) {
      PrometheusParser.addError(errors, lineNo, e, line, 0, line.length());
      return false;
    }
  }

  /** {@code # TYPE <wanted family> ...} or {@code # EOF ...}: the comments that carry anything. */
  private boolean wantedComment(byte[] t, int p, int to) {
    p = skipSpaces(t, p, to);
    if (word(t, p, to, "EOF")) {
      return true;
    }
    if (!word(t, p, to, "TYPE")) {
      return false;
    }
    int nameStart = skipSpaces(t, p + 4, to);
    int nameEnd = metricName(t, nameStart, to);
    return matches(familiesByLength, t, nameStart, nameEnd);
  }

  /** {@code t[p...]} is {@code word} followed by a space, a tab, a line end or the end. */
  private static boolean word(byte[] t, int p, int to, String word) {
    int n = word.length();
    if (to - p < n) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (t[p + i] != word.charAt(i)) {
        return false;
      }
    }
    if (p + n == to) {
      return true;
    }
    byte next = t[p + n];
    return next == ' ' || next == '\t' || next == '\n' || next == '\r';
  }

  private static boolean matches(byte[][][] index, byte[] t, int from, int to) {
    int len = to - from;
    if (len == 0 || len >= index.length || index[len] == null) {
      return false;
    }
    for (byte[] name : index[len]) {
      if (Arrays.equals(t, from, to, name, 0, len)) {
        return true;
      }
    }
    return false;
  }

  /** The index of the next {@code '\n'} at or after {@code p}, or {@code to}. */
  static int newline(byte[] t, int p, int to) {
    while (p + 8 <= to) {
      long word = (long) LONGS.get(t, p) ^ NEWLINES;
      long found = (word - ONES) & ~word & HIGHS; // a high bit set where a byte was '\n'
      if (found != 0) {
        return p + (Long.numberOfTrailingZeros(found) >>> 3);
      }
      p += 8;
    }
    while (p < to && t[p] != '\n') {
      p++;
    }
    return p;
  }

  private static int skipSpaces(byte[] t, int p, int to) {
    while (p < to && (t[p] == ' ' || t[p] == '\t')) {
      p++;
    }
    return p;
  }

  private static int metricName(byte[] t, int p, int to) {
    int start = p;
    while (p < to) {
      byte c = t[p];
      boolean ok =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || c == '_'
              || c == ':'
              || (p > start && c >= '0' && c <= '9');
      if (!ok) {
        break;
      }
      p++;
    }
    return p;
  }
}
