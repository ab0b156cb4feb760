package dev.llmxds.sim.envoy;

import java.util.Arrays;

/**
 * Envoy's Maglev table ({@code OriginalMaglevTable} in {@code
 * source/extensions/load_balancing_policies/maglev/maglev_lb.cc}): hosts sorted by address; each
 * has {@code offset = xxHash64(address) % M} and {@code skip = xxHash64(address, 1) % (M - 1) + 1};
 * the table is filled round by round, a host taking a slot in round {@code r} only while {@code r ×
 * weight ≥ its target weight} (then the target grows by the largest normalised weight), so slots
 * are proportional to weight; a request takes slot {@code hash % M}. M defaults to 65537.
 */
public final class Maglev implements HashingLb {
  public static final int DEFAULT_TABLE_SIZE = 65537;

  private final int[] table;

  public Maglev(String[] addresses, int[] weights) {
    this(addresses, weights, DEFAULT_TABLE_SIZE);
  }

  public Maglev(String[] addresses, int[] weights, int tableSize) {
    double[] normalized = HashingLb.normalize(weights);
    double max = 0;
    for (double w : normalized) {
      max = Math.max(max, w);
    }
    Integer[] sorted = new Integer[addresses.length];
    for (int i = 0; i < sorted.length; i++) {
      sorted[i] = i;
    }
    Arrays.sort(sorted, (a, b) -> addresses[a].compareTo(addresses[b]));
    int n = sorted.length;
    long[] offset = new long[n];
    long[] skip = new long[n];
    long[] next = new long[n];
    double[] target = new double[n];
    for (int k = 0; k < n; k++) {
      String key = addresses[sorted[k]];
      offset[k] = Long.remainderUnsigned(XxHash64.hash(key), tableSize);
      skip[k] = Long.remainderUnsigned(XxHash64.hash(key, 1), tableSize - 1) + 1;
    }
    table = new int[n == 0 ? 0 : tableSize];
    Arrays.fill(table, -1);
    long filled = 0;
    for (int iteration = 1; n > 0 && filled < tableSize; iteration++) {
      for (int k = 0; k < n && filled < tableSize; k++) {
        if (iteration * normalized[sorted[k]] < target[k]) {
          continue;
        }
        target[k] += max;
        int c = (int) ((offset[k] + skip[k] * next[k]) % tableSize);
        while (table[c] != -1) {
          next[k]++;
          c = (int) ((offset[k] + skip[k] * next[k]) % tableSize);
        }
        table[c] = sorted[k];
        next[k]++;
        filled++;
      }
    }
  }

  /** Table slots per host index, for tests. */
  public int entries(int host) {
    int c = 0;
    for (int h : table) {
      c += h == host ? 1 : 0;
    }
    return c;
  }

  @Override
  public int choose(long hash) {
    return table.length == 0 ? -1 : table[(int) Long.remainderUnsigned(hash, table.length)];
  }
}
