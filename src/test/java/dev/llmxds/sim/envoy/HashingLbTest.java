package dev.llmxds.sim.envoy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Envoy's hashing balancers against hand-computed picks. */
class HashingLbTest {
  @Test
  void xxHash64MatchesTheReferenceValues() {
    assertEquals(0xEF46DB3751D8E999L, XxHash64.hash(""));
    assertEquals(0xD24EC4F1A98C6E5BL, XxHash64.hash("a"));
    assertEquals(0x44BC2CF5AD770999L, XxHash64.hash("abc"));
  }

  @Test
  void mt19937MatchesTheStandard() {
    Mt19937 m = new Mt19937(5489);
    assertEquals(3499211612L, m.next()); // the first output for the default seed
    long x = 0;
    for (int i = 2; i <= 10_000; i++) {
      x = m.next();
    }
    assertEquals(4123659995L, x); // [rand.predef]: the 10000th output
  }

  @Test
  void ringEntriesFollowRunningSumsAsInEnvoysComment() {
    // ring_hash_lb.cc: 4 hosts of weight 0.25 and a ring of 6 get 2, 1, 2, 1 hashes
    RingHash ring = new RingHash(new String[] {"a", "b", "c", "d"}, new int[] {1, 1, 1, 1}, 6, 6);
    assertEquals(6, ring.size());
    assertEquals(
        "[2, 1, 2, 1]",
        Arrays.toString(
            new int[] {ring.entries(0), ring.entries(1), ring.entries(2), ring.entries(3)}));
    // weights 1:3, minimum ring 4: the lightest host gets one whole hash, the other three
    RingHash weighted = new RingHash(new String[] {"a", "b"}, new int[] {1, 3}, 4, 1024);
    assertEquals(1, weighted.entries(0));
    assertEquals(3, weighted.entries(1));
    // defaults, 1:2: scale = ceil(1/3 × 1024) / (1/3) = 1026, so 342 and 684 entries
    RingHash big = new RingHash(new String[] {"a", "b"}, new int[] {1, 2});
    assertEquals(1026, big.size());
    assertEquals(342, big.entries(0));
    assertEquals(684, big.entries(1));
  }

  @Test
  void ringPicksTheFirstEntryAtOrAfterTheHashAndWraps() {
    String[] hosts = {"10.0.0.1:80", "10.0.0.2:80"};
    RingHash ring = new RingHash(hosts, new int[] {1, 1}, 4, 4);
    long[][] entries = new long[4][]; // {hash, host}
    int n = 0;
    for (int h = 0; h < 2; h++) {
      for (int i = 0; i < 2; i++) {
        entries[n++] = new long[] {XxHash64.hash(hosts[h] + "_" + i), h};
      }
    }
    Arrays.sort(entries, (a, b) -> Long.compareUnsigned(a[0], b[0]));
    for (int i = 0; i < 4; i++) {
      assertEquals(entries[i][1], ring.choose(entries[i][0]), "exactly on entry " + i);
      assertEquals(entries[i][1], ring.choose(entries[i][0] - 1), "just before entry " + i);
      assertEquals(entries[(i + 1) % 4][1], ring.choose(entries[i][0] + 1), "after entry " + i);
    }
    assertEquals(entries[0][1], ring.choose(-1L), "beyond the last entry wraps to the first");
  }

  @Test
  void maglevSlotsFollowWeights() {
    String[] hosts = {"a:1", "b:1", "c:1"};
    Maglev equal = new Maglev(hosts, new int[] {1, 1, 1}, 7);
    // 7 slots, round robin in address order with equal weights: 3, 2, 2
    assertEquals(3, equal.entries(0));
    assertEquals(2, equal.entries(1));
    assertEquals(2, equal.entries(2));
    Maglev weighted = new Maglev(hosts, new int[] {2, 1, 1}, 65537);
    assertEquals(0.5, weighted.entries(0) / 65537.0, 1e-4);
    assertEquals(0.25, weighted.entries(1) / 65537.0, 1e-4);
  }

  @Test
  void boundedLoadKeepsTheHashedHostUpToItsSlots() {
    HashingLb first = h -> 0;
    int[] active = {6, 0};
    BoundedLoad lb = new BoundedLoad(first, new int[] {1, 1}, 150, i -> active[i]);
    // 6 active in the cluster: ceil(7 × 1.5) = 11 slots, ceil(11 × 0.5) = 6 for host 0: 6/6 fits
    assertEquals(0, lb.choose(42));
    active[0] = 7; // ceil(8 × 1.5) = 12, 6 for host 0: 7/6 overloaded, host 1 has room
    assertEquals(1, lb.choose(42));
    // weights count: host 0 at weight 3 of 4 gets ceil(12 × 0.75) = 9 slots
    BoundedLoad weighted = new BoundedLoad(first, new int[] {3, 1}, 150, i -> active[i]);
    assertEquals(0, weighted.choose(42));
  }

  @Test
  void boundedLoadProbesInTheOrderTheHashSeeds() {
    // 3 equal hosts, 30 active on host 0: ceil(31 × 1.5) = 47 slots, 16 each, host 0 overloaded.
    // std::mt19937(5489) first gives 3499211612; uniform over 3 buckets of 1431655765 → 2:
    // index[0] and index[2] swap, so host 2 is probed first.
    int[] active = {30, 0, 0};
    BoundedLoad lb = new BoundedLoad(h -> 0, new int[] {1, 1, 1}, 150, i -> active[i]);
    assertEquals(2, lb.choose(5489));
    // 105 active, factor 100: 106 slots, 36 each; the hashed host 1 (40) is over, and the same
    // seeded order probes host 2 (35, fits) before host 0
    int[] busy = {30, 40, 35};
    BoundedLoad all = new BoundedLoad(h -> 1, new int[] {1, 1, 1}, 100, i -> busy[i]);
    assertEquals(2, all.choose(5489));
  }
}
