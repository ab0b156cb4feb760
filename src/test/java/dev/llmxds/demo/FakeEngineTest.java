package dev.llmxds.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.load.engine.EngineProfiles;
import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.PrometheusParser;
import dev.llmxds.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FakeEngineTest {
  private final HttpClient http = HttpClient.newHttpClient();
  private FakeEngine engine;

  @BeforeEach
  void start() {
    engine =
        new FakeEngine(
            "llama", new EngineModel.Spec(2, 2048, 16, 512, 2, 0.01, 0.0001, 1.0), "127.0.0.1", 0);
  }

  @AfterEach
  void stop() {
    engine.close();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.port() + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private HttpResponse<String> post(String json) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + engine.port() + "/v1/completions"))
            .timeout(Duration.ofSeconds(20))
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void healthIsAnEmptyOk() throws Exception {
    HttpResponse<String> r = get("/health");
    assertEquals(200, r.statusCode());
    assertEquals("", r.body());
  }

  @Test
  void completionsPlainAndStreaming() throws Exception {
    HttpResponse<String> plain =
        post("{\"model\": \"llama\", \"prompt\": \"hello world, hello!\", \"max_tokens\": 5}");
    assertEquals(200, plain.statusCode(), plain.body());
    assertTrue(plain.body().contains("\"completion_tokens\":5"), plain.body());

    HttpResponse<String> streamed =
        post("{\"prompt\": \"hi\", \"max_tokens\": 3, \"stream\": true}");
    assertEquals(200, streamed.statusCode());
    assertEquals(4, streamed.body().split("\n\n").length, streamed.body());
    assertTrue(streamed.body().endsWith("data: [DONE]\n\n"));

    assertEquals(404, post("{\"model\": \"other\", \"prompt\": \"x\"}").statusCode());
    assertEquals(400, post("not json").statusCode());
  }

  @Test
  void metricsAreVllmV1AndReflectTheQueue() throws Exception {
    for (int i = 0; i < 6; i++) {
      engine.submit(10, 2_000);
    }
    Await.until(Duration.ofSeconds(5), () -> engine.running() == 2, "batch of two running");
    Exposition e = PrometheusParser.parse(get("/metrics").body());
    assertEquals(List.of(), e.errors());
    assertEquals(EngineKind.VLLM, EngineProfiles.detect(e).kind());
    EngineLoad load = EngineProfiles.of(EngineKind.VLLM).read(e, List.of("llama"));
    assertEquals(2, load.running());
    assertEquals(4, load.waiting());
    assertTrue(load.kvUsage() > 0 && load.kvUsage() < 1);
    assertEquals("gauge", e.types().get("vllm:num_requests_waiting"));
    assertEquals("counter", e.types().get("vllm:generation_tokens_total"));
    assertEquals("histogram", e.types().get("vllm:time_to_first_token_seconds"));
    assertEquals("0", e.samples("vllm:num_requests_running").get(0).label("engine"));
    assertEquals("counter", e.types().get("vllm:num_preemptions_total"));
    assertEquals("counter", e.types().get("vllm:prompt_tokens_total"));

    // the counters are the model's: prompts counted at their first token, every token generated
    Await.until(
        Duration.ofSeconds(5),
        () -> counter("vllm:generation_tokens_total") >= 4,
        "tokens generated");
    assertEquals(2 * 10, counter("vllm:prompt_tokens_total"), "two prompts of 10 have started");
    assertEquals(0, counter("vllm:num_preemptions_total"));
  }

  private double counter(String name) {
    try {
      return PrometheusParser.parse(get("/metrics").body()).samples(name).get(0).value();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
