package dev.llmxds.xds.serve;

/**
 * Client-supplied strings (node id, cluster, zone, user agent, NACK messages, type URLs, versions)
 * as they may appear in logs and in the per-stream state the admin views show: at most {@link
 * #MAX_CHARS} characters, the rest replaced by a marker saying how much was cut, and control
 * characters (line breaks that would forge log lines) replaced by {@code ?}.
 */
public final class ClientText {
  /** The longest client string kept or logged. */
  public static final int MAX_CHARS = 256;

  private ClientText() {}

  public static String clip(String s) {
    if (s == null) {
      return "";
    }
    int keep = Math.min(s.length(), MAX_CHARS);
    if (keep > 0 && Character.isHighSurrogate(s.charAt(keep - 1)) && keep < s.length()) {
      keep--; // never split a surrogate pair
    }
    StringBuilder b = null;
    for (int i = 0; i < keep; i++) {
      char c = s.charAt(i);
      if (Character.isISOControl(c)) {
        if (b == null) {
          b = new StringBuilder(keep + 24).append(s, 0, i);
        }
        b.append('?');
      } else if (b != null) {
        b.append(c);
      }
    }
    if (b == null && keep == s.length()) {
      return s;
    }
    if (b == null) {
      b = new StringBuilder(keep + 24).append(s, 0, keep);
    }
    if (keep < s.length()) {
      b.append("…[+").append(s.length() - keep).append(" chars]");
    }
    return b.toString();
  }
}
