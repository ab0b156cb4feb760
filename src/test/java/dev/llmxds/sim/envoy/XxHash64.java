package dev.llmxds.sim.envoy;

import java.nio.charset.StandardCharsets;

/**
 * XXH64, the hash Envoy's ring hash and Maglev balancers use for host keys and its HTTP hash policy
 * uses for header values ({@code HashUtil::xxHash64} in {@code source/common/common/hash.h}, which
 * calls xxHash's {@code XXH64}). Written from the published algorithm; the unit test checks it
 * against xxHash's reference values.
 */
public final class XxHash64 {
  private static final long P1 = 0x9E3779B185EBCA87L;
  private static final long P2 = 0xC2B2AE3D27D4EB4FL;
  private static final long P3 = 0x165667B19E3779F9L;
  private static final long P4 = 0x85EBCA77C2B2AE63L;
  private static final long P5 = 0x27D4EB2F165667C5L;

  private XxHash64() {}

  public static long hash(String s) {
    return hash(s.getBytes(StandardCharsets.UTF_8), 0);
  }

  public static long hash(String s, long seed) {
    return hash(s.getBytes(StandardCharsets.UTF_8), seed);
  }

  public static long hash(byte[] b, long seed) {
    int len = b.length;
    int i = 0;
    long h;
    if (len >= 32) {
      long v1 = seed + P1 + P2;
      long v2 = seed + P2;
      long v3 = seed;
      long v4 = seed - P1;
      while (i <= len - 32) {
        v1 = round(v1, readLong(b, i));
        v2 = round(v2, readLong(b, i + 8));
        v3 = round(v3, readLong(b, i + 16));
        v4 = round(v4, readLong(b, i + 24));
        i += 32;
      }
      h =
          Long.rotateLeft(v1, 1)
              + Long.rotateLeft(v2, 7)
              + Long.rotateLeft(v3, 12)
              + Long.rotateLeft(v4, 18);
      h = merge(h, v1);
      h = merge(h, v2);
      h = merge(h, v3);
      h = merge(h, v4);
    } else {
      h = seed + P5;
    }
    h += len;
    while (i + 8 <= len) {
      h ^= round(0, readLong(b, i));
      h = Long.rotateLeft(h, 27) * P1 + P4;
      i += 8;
    }
    if (i + 4 <= len) {
      h ^= (readInt(b, i) & 0xFFFFFFFFL) * P1;
      h = Long.rotateLeft(h, 23) * P2 + P3;
      i += 4;
    }
    while (i < len) {
      h ^= (b[i] & 0xFFL) * P5;
      h = Long.rotateLeft(h, 11) * P1;
      i++;
    }
    h ^= h >>> 33;
    h *= P2;
    h ^= h >>> 29;
    h *= P3;
    h ^= h >>> 32;
    return h;
  }

  private static long round(long acc, long input) {
    acc += input * P2;
    acc = Long.rotateLeft(acc, 31);
    return acc * P1;
  }

  private static long merge(long acc, long v) {
    acc ^= round(0, v);
    return acc * P1 + P4;
  }

  private static long readLong(byte[] b, int i) {
    return (readInt(b, i) & 0xFFFFFFFFL) | ((long) readInt(b, i + 4) << 32);
  }

  private static int readInt(byte[] b, int i) {
    return (b[i] & 0xFF)
        | (b[i + 1] & 0xFF) << 8
        | (b[i + 2] & 0xFF) << 16
        | (b[i + 3] & 0xFF) << 24;
  }
}
