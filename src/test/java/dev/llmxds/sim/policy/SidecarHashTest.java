package dev.llmxds.sim.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.sim.workload.Request;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SidecarHashTest {
  private static final int[] ALL = {0, 1, 2, 3, 4, 5, 6, 7};

  private static Request request(long id, int sidecar, long session) {
    return new Request(id, 0, 100, 10, sidecar, session, null, null);
  }

  @Test
  void aSessionLandsOnTheSameGpuFromEverySidecar() {
    SidecarHash ring = new SidecarHash("ring", SidecarHash.Table.RING_HASH, 0, 4, 8, 1, null);
    Set<Integer> picked = new HashSet<>();
    for (int s = 0; s < 4; s++) {
      picked.add(ring.route(request(s, s, 1234), ALL));
    }
    assertEquals(1, picked.size());
    Set<Integer> spread = new HashSet<>();
    for (long session = 0; session < 200; session++) {
      spread.add(ring.route(request(session, 0, session), ALL));
    }
    assertEquals(8, spread.size(), "different sessions spread over the GPUs");
  }

  @Test
  void requestsWithoutAKeyGetARandomHash() {
    SidecarHash maglev = new SidecarHash("maglev", SidecarHash.Table.MAGLEV, 0, 1, 8, 1, null);
    Set<Integer> picked = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      picked.add(maglev.route(request(i, 0, -1), ALL));
    }
    assertTrue(picked.size() >= 7, "keyless requests spread like random: " + picked);
  }

  @Test
  void boundedLoadMovesASessionOffAnOverloadedGpuAndBack() {
    SidecarHash bounded =
        new SidecarHash("bounded", SidecarHash.Table.RING_HASH, 150, 1, 8, 1, null);
    int home = bounded.route(request(0, 0, 77), ALL);
    // keep piling the same session on: it stays home until home exceeds its slots
    int moved = -1;
    for (int i = 1; i < 20 && moved < 0; i++) {
      int e = bounded.route(request(i, 0, 77), ALL);
      if (e != home) {
        moved = i;
      }
    }
    // i requests on home and none elsewhere: ceil(ceil((i + 1) × 1.5) / 8) ≥ i holds for i = 1 only
    assertEquals(2, moved);
  }
}
