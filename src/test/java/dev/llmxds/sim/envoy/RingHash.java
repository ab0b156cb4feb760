package dev.llmxds.sim.envoy;

import java.util.Arrays;

/**
 * Envoy's ring hash (ketama) as {@code RingHashLoadBalancer::Ring} builds and searches it ({@code
 * source/extensions/load_balancing_policies/ring_hash/ring_hash_lb.cc}): hosts get ring entries in
 * proportion to their normalised weight, {@code scale = min(ceil(minWeight × minRingSize) /
 * minWeight, maxRingSize)}, host by host with running sums of current and target hashes; each entry
 * is {@code xxHash64("<address>_<i>")} (the default hash function); the ring is sorted by hash; a
 * request hash picks the first entry whose hash is ≥ it, wrapping to entry 0 (the ketama binary
 * search ported there).
 */
public final class RingHash implements HashingLb {
  /** Envoy's defaults for {@code minimum_ring_size} and {@code maximum_ring_size}. */
  public static final long MIN_RING_SIZE = 1024;

  public static final long MAX_RING_SIZE = 8L * 1024 * 1024;

  private final long[] hashes;
  private final int[] hosts;

  public RingHash(String[] addresses, int[] weights) {
    this(addresses, weights, MIN_RING_SIZE, MAX_RING_SIZE);
  }

  public RingHash(String[] addresses, int[] weights, long minRingSize, long maxRingSize) {
    double[] normalized = HashingLb.normalize(weights);
    double min = 1.0;
    for (double w : normalized) {
      min = Math.min(min, w);
    }
    if (addresses.length == 0) {
      hashes = new long[0];
      hosts = new int[0];
      return;
    }
    double scale = Math.min(Math.ceil(min * minRingSize) / min, (double) maxRingSize);
    int size = (int) Math.ceil(scale);
    long[] h = new long[size + addresses.length];
    int[] host = new int[h.length];
    int n = 0;
    double current = 0;
    double target = 0;
    for (int i = 0; i < addresses.length; i++) {
      target += scale * normalized[i];
      for (long k = 0; current < target; k++) {
        if (n == h.length) {
          h = Arrays.copyOf(h, n * 2);
          host = Arrays.copyOf(host, n * 2);
        }
        h[n] = XxHash64.hash(addresses[i] + "_" + k);
        host[n] = i;
        n++;
        current++;
      }
    }
    // sort entries by unsigned hash (std::sort on uint64_t)
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    long[] hh = h;
    Arrays.sort(order, (a, b) -> Long.compareUnsigned(hh[a], hh[b]));
    hashes = new long[n];
    hosts = new int[n];
    for (int i = 0; i < n; i++) {
      hashes[i] = h[order[i]];
      hosts[i] = host[order[i]];
    }
  }

  /** Ring entries per host index, for tests. */
  public int entries(int host) {
    int c = 0;
    for (int h : hosts) {
      c += h == host ? 1 : 0;
    }
    return c;
  }

  public int size() {
    return hashes.length;
  }

  @Override
  public int choose(long h) {
    if (hashes.length == 0) {
      return -1;
    }
    // Ring::chooseHost: ketama's search, signed indices, unsigned hash comparisons
    long lowp = 0;
    long highp = hashes.length;
    long midp;
    while (true) {
      midp = (lowp + highp) / 2;
      if (midp == hashes.length) {
        midp = 0;
        break;
      }
      long midval = hashes[(int) midp];
      long midval1 = midp == 0 ? 0 : hashes[(int) midp - 1];
      if (Long.compareUnsigned(h, midval) <= 0 && Long.compareUnsigned(h, midval1) > 0) {
        break;
      }
      if (Long.compareUnsigned(midval, h) < 0) {
        lowp = midp + 1;
      } else {
        highp = midp - 1;
      }
      if (lowp > highp) {
        midp = 0;
        break;
      }
    }
    return hosts[(int) midp];
  }
}
