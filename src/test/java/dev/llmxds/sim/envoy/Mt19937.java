package dev.llmxds.sim.envoy;

/**
 * C++'s {@code std::mt19937} (32-bit Mersenne Twister, seeded as the standard says), which Envoy's
 * bounded-load hashing seeds with the request hash to shuffle its probe order.
 */
public final class Mt19937 {
  private final int[] mt = new int[624];
  private int index = 624;

  /** {@code std::mt19937(seed)}: the seed is taken modulo 2^32. */
  public Mt19937(long seed) {
    mt[0] = (int) seed;
    for (int i = 1; i < 624; i++) {
      mt[i] = 1812433253 * (mt[i - 1] ^ (mt[i - 1] >>> 30)) + i;
    }
  }

  /** The next output, 0 .. 2^32 - 1. */
  public long next() {
    if (index >= 624) {
      for (int i = 0; i < 624; i++) {
        int y = (mt[i] & 0x80000000) | (mt[(i + 1) % 624] & 0x7fffffff);
        int v = mt[(i + 397) % 624] ^ (y >>> 1);
        if ((y & 1) != 0) {
          v ^= 0x9908b0df;
        }
        mt[i] = v;
      }
      index = 0;
    }
    int y = mt[index++];
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y & 0xFFFFFFFFL;
  }
}
