package dev.llmxds.load.prom;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.testing.Fixtures;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Property: whatever the input — random bytes, or a real capture with random mutations — the parser
 * returns, keeps the lines it can read and counts the ones it cannot. Seeded, so reproducible.
 */
class PrometheusParserFuzzTest {
  private static final String ALPHABET = "ab_:{}=\",.\\ \t\n#+-eE0123456789NaInf\r";

  @Test
  void randomInputNeverThrows() {
    Random random = new Random(42);
    for (int round = 0; round < 3_000; round++) {
      StringBuilder b = new StringBuilder();
      int n = random.nextInt(200);
      for (int i = 0; i < n; i++) {
        b.append(
            random.nextInt(10) == 0
                ? (char) random.nextInt(0x3000)
                : ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      String input = b.toString();
      Exposition e = assertDoesNotThrow(() -> PrometheusParser.parse(input), input);
      assertTrue(e.errors().size() <= 21);
    }
  }

  @Test
  void mutatedCapturesLoseOnlyTheMutatedLines() {
    String original = Fixtures.metrics(Fixtures.VLLM_V1);
    long sampleLines = original.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
    Random random = new Random(7);
    for (int round = 0; round < 300; round++) {
      char[] chars = original.toCharArray();
      int mutations = 1 + random.nextInt(5);
      java.util.Set<Integer> touchedLines = new java.util.HashSet<>();
      for (int m = 0; m < mutations; m++) {
        int at = random.nextInt(chars.length);
        chars[at] = ALPHABET.charAt(random.nextInt(ALPHABET.length()));
        touchedLines.add(lineOf(chars, at));
      }
      String mutated = new String(chars);
      Exposition e = assertDoesNotThrow(() -> PrometheusParser.parse(mutated));
      long kept = e.samples().size();
      // untouched sample lines all survive; a mutation can at most split or spoil a few lines
      assertTrue(
          kept >= sampleLines - 2L * touchedLines.size() - mutations,
          "round " + round + ": kept " + kept + " of " + sampleLines);
      assertEquals(
          Math.min(e.errors().size(), 21), e.errors().size(), "bad lines are counted, capped");
    }
  }

  private static int lineOf(char[] chars, int at) {
    int line = 0;
    for (int i = 0; i < at; i++) {
      if (chars[i] == '\n') {
        line++;
      }
    }
    return line;
  }
}
