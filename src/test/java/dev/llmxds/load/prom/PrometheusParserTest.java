package dev.llmxds.load.prom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.testing.Fixtures;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PrometheusParserTest {
  @Test
  void realVllmV1CaptureParsesCompletely() {
    String text = Fixtures.metrics(Fixtures.VLLM_V1);
    assertFalse(text.endsWith("\n"), "the capture has no final newline");
    Exposition e = PrometheusParser.parse(text);
    assertEquals(List.of(), e.errors());
    Sample waiting = e.samples("vllm:num_requests_waiting").get(0);
    assertEquals(0.0, waiting.value());
    assertEquals("Qwen/Qwen3-4B-Instruct-2507-FP8", waiting.label("model_name"));
    assertEquals("0", waiting.label("engine"));
    assertEquals(0.0011764705882353343, e.samples("vllm:kv_cache_usage_perc").get(0).value());
    assertEquals("gauge", e.types().get("vllm:num_requests_running"));
    assertEquals("histogram", e.types().get("vllm:time_to_first_token_seconds"));
    assertEquals(1.372014592e10, e.samples("process_virtual_memory_bytes").get(0).value());
    long lines = text.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).count();
    assertEquals(lines, e.samples().size(), "every sample line is kept");
    // histogram invariants hold: cumulative buckets ending at +Inf == _count
    List<Sample> buckets = e.samples("vllm:time_to_first_token_seconds_bucket");
    Sample inf = buckets.get(buckets.size() - 1);
    assertEquals("+Inf", inf.label("le"));
    assertEquals(e.samples("vllm:time_to_first_token_seconds_count").get(0).value(), inf.value());
  }

  @Test
  void realSglangCaptureParsesCompletely() {
    Exposition e = PrometheusParser.parse(Fixtures.metrics(Fixtures.SGLANG));
    assertEquals(List.of(), e.errors());
    assertEquals(2826.0, e.samples("sglang:num_queue_reqs").get(0).value());
    assertEquals(162.0, e.samples("sglang:num_running_reqs").get(0).value());
    assertEquals(0.28, e.samples("sglang:token_usage").get(0).value());
    assertEquals(
        "meta-llama/Llama-3.1-8B-Instruct",
        e.samples("sglang:token_usage").get(0).label("model_name"));
  }

  @Test
  void edgeCasesOfTheFormat() {
    String text =
        String.join(
            "\n",
            "# TYPE a gauge", // TYPE before HELP
            "# HELP a with \\\\ and \\n in help",
            "a{path=\"C:\\\\dir\",q=\"say \\\"hi\\\"\",nl=\"x\\ny\"} 1.5e+010",
            "b NaN",
            "c +Inf",
            "d -Inf",
            "e 42 1712345678901",
            "f{ x = \"1\" , } 7",
            "  g\t3   ",
            "# TYPE empty counter",
            "h_bucket{le=\"0.5\"} 3\r",
            "i 1.5e-3",
            "j .5",
            "# a free comment");
    Exposition e = PrometheusParser.parse(text);
    assertEquals(List.of(), e.errors());
    Sample a = e.samples("a").get(0);
    assertEquals("C:\\dir", a.label("path"));
    assertEquals("say \"hi\"", a.label("q"));
    assertEquals("x\ny", a.label("nl"));
    assertEquals(1.5e10, a.value());
    assertTrue(Double.isNaN(e.samples("b").get(0).value()));
    assertEquals(Double.POSITIVE_INFINITY, e.samples("c").get(0).value());
    assertEquals(Double.NEGATIVE_INFINITY, e.samples("d").get(0).value());
    assertEquals(1712345678901L, e.samples("e").get(0).timestampMillis());
    assertNull(e.samples("d").get(0).timestampMillis());
    assertEquals(Map.of("x", "1"), e.samples("f").get(0).labels());
    assertEquals(3.0, e.samples("g").get(0).value());
    assertEquals("counter", e.types().get("empty"));
    assertEquals(3.0, e.samples("h_bucket").get(0).value());
    assertEquals(0.0015, e.samples("i").get(0).value());
    assertEquals(0.5, e.samples("j").get(0).value());
  }

  @Test
  void openMetricsEofTimestampsInSecondsAndExemplars() {
    String text =
        "# TYPE x counter\n"
            + "x_total 5 1520879607.789\n"
            + "y_bucket{le=\"1\"} 3 # {trace_id=\"abc\"} 0.5 1520879607.1\n"
            + "# EOF\n"
            + "garbage after eof";
    Exposition e = PrometheusParser.parse(text);
    assertEquals(List.of(), e.errors());
    assertEquals(1520879607789L, e.samples("x_total").get(0).timestampMillis());
    assertEquals(3.0, e.samples("y_bucket").get(0).value());
  }

  @Test
  void badLinesAreReportedAndSkippedAndTheRestKept() {
    String text =
        String.join(
            "\n",
            "ok1 1",
            "bad1 1d", // Double.parseDouble would accept this
            "bad2 2f",
            "bad3 0x10",
            "bad4{a=\"1\" 3",
            "bad5{a=1} 3",
            "bad6{a=\"\\t\"} 3",
            "bad7{a=\"1\",a=\"2\"} 3",
            "bad8",
            "9bad 1",
            "bad10 1 2 3",
            "# TYPE bad11 flavour",
            "ok2{a=\"1\"} -2");
    Exposition e = PrometheusParser.parse(text);
    assertEquals(List.of("ok1", "ok2"), e.samples().stream().map(Sample::name).toList());
    assertEquals(11, e.errors().size(), String.join("\n", e.errors()));
    assertTrue(e.errors().get(0).startsWith("line 2: '1d' is not a number"), e.errors().get(0));
    assertTrue(e.errors().get(5).contains("invalid escape \\t"), e.errors().get(5));
  }

  @Test
  void filteredParsingKeepsOnlyWantedNames() {
    Exposition e =
        PrometheusParser.parse(
            Fixtures.metrics(Fixtures.VLLM_V1), name -> name.startsWith("vllm:num_requests"));
    assertEquals(
        List.of("vllm:num_requests_running", "vllm:num_requests_waiting"),
        e.samples().stream().map(Sample::name).toList());
  }
}
