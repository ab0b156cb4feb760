package dev.llmxds.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WeightedLeastRequestTest {
  @Test
  void unequalWeightsWithoutActiveRequestsFollowTheWeightsExactly() {
    WeightedLeastRequest lb = new WeightedLeastRequest(new Random(1));
    lb.update(List.of(3, 1), h -> 0);
    assertTrue(lb.weighted());
    int[] picks = new int[2];
    for (int i = 0; i < 400; i++) {
      picks[lb.pick(h -> 0)]++;
    }
    assertEquals(300, picks[0]);
    assertEquals(100, picks[1]);
  }

  @Test
  void activeRequestsDivideTheWeight() {
    WeightedLeastRequest lb = new WeightedLeastRequest(new Random(1));
    lb.update(List.of(4, 2), h -> 0);
    // host 0 has 3 in flight: 4 / (3 + 1) = 1 against 2 / 1 = 2, so host 1 gets twice as many
    int[] picks = new int[2];
    for (int i = 0; i < 300; i++) {
      picks[lb.pick(h -> h == 0 ? 3 : 0)]++;
    }
    assertEquals(100, picks[0], 1);
    assertEquals(200, picks[1], 1);
  }

  @Test
  void equalWeightsArePowerOfTwoChoicesOnActiveRequests() {
    WeightedLeastRequest lb = new WeightedLeastRequest(new Random(7));
    lb.update(List.of(5, 5, 5), h -> 0);
    assertFalse(lb.weighted());
    int[] picks = new int[3];
    for (int i = 0; i < 9000; i++) {
      picks[lb.pick(h -> h == 2 ? 10 : 0)]++;
    }
    // host 2 wins only when both draws are host 2: 1/9 of the picks
    assertEquals(1000, picks[2], 150);
    assertEquals(4000, picks[0], 300);
  }

  @Test
  void noHostsNoPick() {
    WeightedLeastRequest lb = new WeightedLeastRequest(new Random(1));
    assertEquals(-1, lb.pick(h -> 0));
    lb.update(List.of(), h -> 0);
    assertEquals(-1, lb.pick(h -> 0));
  }
}
