package dev.llmxds.load.prom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.load.engine.EngineProfile;
import dev.llmxds.load.engine.EngineProfiles;
import dev.llmxds.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The byte-level filtered parser gives what the String parser gives for the lines it keeps. */
@Timeout(value = 60, unit = java.util.concurrent.TimeUnit.SECONDS)
class FilteredParserTest {
  private static final FilteredParser PROFILES = new FilteredParser(EngineProfiles.METRIC_NAMES);

  private static void assertSameAsStringParser(FilteredParser parser, String text, String what) {
    Exposition old = PrometheusParser.parse(text, parser.names()::contains);
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    Exposition now = parser.parse(bytes);
    assertEquals(old.samples(), now.samples(), what + ": samples");
    Map<String, String> oldTypes = new HashMap<>(old.types());
    oldTypes.keySet().retainAll(parser.families());
    assertEquals(oldTypes, now.types(), what + ": types of the wanted families");
    // an offset slice of a larger buffer reads the same
    byte[] padded = new byte[bytes.length + 10];
    System.arraycopy(bytes, 0, padded, 3, bytes.length);
    padded[2] = 'x';
    padded[bytes.length + 3] = 'y';
    assertEquals(now, parser.parse(padded, 3, bytes.length + 3), what + ": slice");
  }

  @Test
  void everyFixtureGivesTheStringParsersFilteredResult() throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.list(Fixtures.METRICS)) {
      files = s.filter(p -> p.toString().endsWith(".prom")).sorted().toList();
    }
    assertTrue(files.size() >= 5, "fixtures found: " + files);
    for (Path f : files) {
      String text = Files.readString(f, StandardCharsets.UTF_8);
      Exposition old = PrometheusParser.parse(text, EngineProfiles.METRIC_NAMES::contains);
      Exposition now = PROFILES.parse(text.getBytes(StandardCharsets.UTF_8));
      assertSameAsStringParser(PROFILES, text, f.getFileName().toString());
      assertEquals(old.errors(), now.errors(), f + ": errors");
      // and the profiles read the same load from both
      EngineProfile profile = EngineProfiles.detect(old);
      assertEquals(profile, EngineProfiles.detect(now), f + ": detected profile");
    }
    Exposition vllm = PROFILES.parse(Fixtures.metrics(Fixtures.VLLM_V1).getBytes());
    assertFalse(vllm.samples().isEmpty(), "the vLLM capture has wanted samples");
    assertEquals("gauge", vllm.types().get("vllm:num_requests_running"));
  }

  @Test
  void edgeCasesOfTheFormatOnWantedLines() {
    String text =
        String.join(
            "\n",
            "# TYPE a gauge",
            "# HELP a with \\\\ and \\n in help",
            "a{path=\"C:\\\\dir\",q=\"say \\\"hi\\\"\",nl=\"x\\ny\",u=\"ünï\"} 1.5e+010",
            "b NaN",
            "c +Inf",
            "d -Inf",
            "e 42 1712345678901",
            "f{ x = \"1\" , } 7",
            "  g\t3   ",
            "# TYPE h histogram",
            "h_bucket{le=\"0.5\"} 3\r",
            "i 1.5e-3",
            "x_total 5 1520879607.789",
            "",
            "   ",
            "ab 99",
            "aa 98",
            "a_long_unwanted_name{a=\"b\"} 1",
            "# TYPE ab gauge",
            "# TYPE x counter",
            "# EOF",
            "a 1000");
    FilteredParser parser =
        new FilteredParser(Set.of("a", "b", "c", "d", "e", "f", "g", "h_bucket", "i", "x_total"));
    Exposition e = parser.parse(text.getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of(), e.errors());
    Sample a = e.samples("a").get(0);
    assertEquals("C:\\dir", a.label("path"));
    assertEquals("say \"hi\"", a.label("q"));
    assertEquals("x\ny", a.label("nl"));
    assertEquals("ünï", a.label("u"));
    assertEquals(1, e.samples("a").size(), "nothing after # EOF");
    assertTrue(Double.isNaN(e.samples("b").get(0).value()));
    assertEquals(Double.NEGATIVE_INFINITY, e.samples("d").get(0).value());
    assertEquals(1712345678901L, e.samples("e").get(0).timestampMillis());
    assertEquals(1520879607789L, e.samples("x_total").get(0).timestampMillis());
    assertEquals(3.0, e.samples("g").get(0).value());
    assertEquals(3.0, e.samples("h_bucket").get(0).value());
    assertEquals(Map.of("a", "gauge", "h", "histogram", "x", "counter"), e.types());
    assertEquals(
        List.of("a", "b", "c", "d", "e", "f", "g", "h_bucket", "i", "x_total"),
        e.samples().stream().map(Sample::name).toList());
    assertSameAsStringParser(parser, text, "edge cases");
  }

  @Test
  void badWantedLinesAreReportedWithTheirLineNumbersAndBadUnwantedLinesAreSkipped() {
    String text =
        String.join(
            "\n",
            "ok1 1",
            "bad1 1d",
            "junk{{{ what",
            "9bad 1",
            "bad4{a=\"1\" 3",
            "bad6{a=\"\\t\"} 3",
            "# TYPE bad11 flavour",
            "# TYPE other flavour",
            "ok2{a=\"1\"} -2");
    FilteredParser parser =
        new FilteredParser(Set.of("ok1", "ok2", "bad1", "bad4", "bad6", "bad11"));
    Exposition e = parser.parse(text.getBytes(StandardCharsets.UTF_8));
    assertEquals(List.of("ok1", "ok2"), e.samples().stream().map(Sample::name).toList());
    assertEquals(4, e.errors().size(), String.join("\n", e.errors()));
    assertTrue(e.errors().get(0).startsWith("line 2: '1d' is not a number"), e.errors().get(0));
    assertTrue(e.errors().get(1).startsWith("line 5: "), e.errors().get(1));
    assertTrue(e.errors().get(2).contains("invalid escape \\t"), e.errors().get(2));
    assertTrue(e.errors().get(3).startsWith("line 7: unknown metric type"), e.errors().get(3));
    // the String parser reports the same errors for the wanted lines, and more for the others
    List<String> old = PrometheusParser.parse(text, parser.names()::contains).errors();
    assertTrue(old.containsAll(e.errors()), old.toString());
  }

  @Test
  void newlinesAreFoundAtEveryOffsetOfTheWordScan() {
    for (int len = 0; len < 40; len++) {
      for (int at = 0; at <= len; at++) {
        byte[] b = new byte[len];
        java.util.Arrays.fill(b, (byte) 'a');
        if (at < len) {
          b[at] = '\n';
          if (at + 3 < len) {
            b[at + 3] = '\n';
          }
        }
        for (int from = 0; from <= Math.min(at, len); from++) {
          assertEquals(Math.min(at, len), FilteredParser.newline(b, from, len), len + "/" + at);
        }
      }
    }
    // bytes just above and below '\n' never count as one
    byte[] near = {9, 11, (byte) 0x8a, 0x0b, (byte) 0x8a, 9, 0, 11, 1, (byte) 0xff, 11, 10, 10};
    assertEquals(11, FilteredParser.newline(near, 0, near.length));
  }

  @Test
  void mutatedCapturesGiveTheStringParsersResultForWantedLines() {
    String alphabet = "ab_:{}=\",.\\ \t\n#+-eE0123456789NaInf\r";
    for (String fixture : List.of(Fixtures.VLLM_V1, Fixtures.SGLANG, Fixtures.NIM)) {
      String original = Fixtures.metrics(fixture);
      Random random = new Random(11);
      for (int round = 0; round < 200; round++) {
        char[] chars = original.toCharArray();
        int mutations = 1 + random.nextInt(8);
        for (int m = 0; m < mutations; m++) {
          chars[random.nextInt(chars.length)] = alphabet.charAt(random.nextInt(alphabet.length()));
        }
        assertSameAsStringParser(PROFILES, new String(chars), fixture + " round " + round);
      }
    }
  }
}
