package dev.llmxds.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.PrometheusParser;
import dev.llmxds.testing.Fixtures;
import java.util.List;
import org.junit.jupiter.api.Test;

class EngineProfileTest {
  private static Exposition parse(String text) {
    Exposition e = PrometheusParser.parse(text);
    assertEquals(List.of(), e.errors());
    return e;
  }

  @Test
  void vllmV1CaptureIsDetectedAndRead() {
    Exposition e = parse(Fixtures.metrics(Fixtures.VLLM_V1));
    assertEquals(EngineProfile.VLLM, EngineProfile.detect(e));
    EngineLoad load = EngineProfile.VLLM.read(e, List.of("some-routing-name"));
    assertEquals(
        new EngineLoad(0, 0, 0.0011764705882353343, 1739), load, "generation_tokens_total");
  }

  @Test
  void sglangCaptureIsDetectedAndRead() {
    Exposition e = parse(Fixtures.metrics(Fixtures.SGLANG));
    assertEquals(EngineProfile.SGLANG, EngineProfile.detect(e));
    assertEquals(new EngineLoad(162, 2826, 0.28), EngineProfile.SGLANG.read(e, List.of()));
  }

  @Test
  void vllmDataParallelEnginesAreSummedAndKvAveraged() {
    Exposition e =
        parse(
            """
            vllm:num_requests_running{engine="0",model_name="m"} 10
            vllm:num_requests_running{engine="1",model_name="m"} 6
            vllm:num_requests_waiting{engine="0",model_name="m"} 3
            vllm:num_requests_waiting{engine="1",model_name="m"} 1
            vllm:kv_cache_usage_perc{engine="0",model_name="m"} 0.9
            vllm:kv_cache_usage_perc{engine="1",model_name="m"} 0.5
            vllm:gpu_cache_usage_perc{engine="0",model_name="m"} 0.1
            vllm:generation_tokens_total{engine="0",model_name="m"} 1000
            vllm:generation_tokens_total{engine="1",model_name="m"} 234
            """);
    assertEquals(new EngineLoad(16, 4, 0.7, 1234), EngineProfile.VLLM.read(e, List.of("m")));
  }

  @Test
  void olderVllmUsesGpuCacheUsageAndCountsSwappedAsWaiting() {
    Exposition e =
        parse(
            """
            # TYPE vllm:num_requests_running gauge
            vllm:num_requests_running{model_name="m"} 8.0
            vllm:num_requests_waiting{model_name="m"} 2.0
            vllm:num_requests_swapped{model_name="m"} 1.0
            vllm:gpu_cache_usage_perc{model_name="m"} 0.75
            """);
    assertEquals(new EngineLoad(8, 3, 0.75), EngineProfile.VLLM.read(e, List.of()));
  }

  @Test
  void severalModelsOnOneServerAreFilteredToTheServicesModels() {
    Exposition e =
        parse(
            """
            vllm:num_requests_running{model_name="a"} 4
            vllm:num_requests_running{model_name="b"} 40
            vllm:num_requests_waiting{model_name="a"} 1
            vllm:num_requests_waiting{model_name="b"} 10
            vllm:generation_tokens_total{model_name="a"} 50
            vllm:generation_tokens_total{model_name="b"} 5000
            vllm:kv_cache_usage_perc{model_name="a"} 0.2
            vllm:kv_cache_usage_perc{model_name="b"} 0.8
            """);
    assertEquals(new EngineLoad(4, 1, 0.2, 50), EngineProfile.VLLM.read(e, List.of("a")));
    assertThrows(IllegalArgumentException.class, () -> EngineProfile.VLLM.read(e, List.of("c")));
  }

  @Test
  void tgiAndTritonProfiles() {
    Exposition tgi =
        parse("tgi_queue_size 5\ntgi_batch_current_size 12\ntgi_batch_current_max_tokens 4096\n");
    assertEquals(EngineProfile.TGI, EngineProfile.detect(tgi));
    EngineLoad t = EngineProfile.TGI.read(tgi, List.of("x"));
    assertEquals(12, t.running());
    assertEquals(5, t.waiting());
    assertTrue(Double.isNaN(t.kvUsage()));

    Exposition trt =
        parse(
            """
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="active",version="1"} 7
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="waiting",version="1"} 2
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="max",version="1"} 64
            nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="used",model="tensorrt_llm",version="1"} 300
            nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",model="tensorrt_llm",version="1"} 1000
            nv_inference_pending_request_count{model="ensemble",version="1"} 1
            """);
    assertEquals(EngineProfile.TRITON, EngineProfile.detect(trt));
    assertEquals(
        new EngineLoad(7, 2, 0.3),
        EngineProfile.TRITON.read(trt, List.of()),
        "pending counted for the TensorRT-LLM stage only, not for the ensemble");
  }

  @Test
  void tritonReadsTheTensorRtLlmStageWhateverTheServicesModelsAre() {
    // documentation sample (SOURCES.md): active 0, waiting 1, fraction 0.4875, pending 0
    Exposition e = parse(Fixtures.metrics(Fixtures.TRITON_TRTLLM));
    assertEquals(EngineProfile.TRITON, EngineProfile.detect(e));
    for (List<String> models :
        List.<List<String>>of(List.of("ensemble"), List.of("llama-svc"), List.of())) {
      assertEquals(new EngineLoad(0, 1, 0.4875), EngineProfile.TRITON.read(e, models), "" + models);
    }
  }

  @Test
  void tritonEnsembleCountsTheLlmStageOnceAndItsPendingOnly() {
    // Synthetic: no public capture of a whole ensemble body was found. Its shape follows the
    // fixture's tensorrt_llm families plus the per-stage nv_inference_pending_request_count every
    // Triton model reports (FACTS.md; tensorrtllm_backend issues #667, #49).
    Exposition e =
        parse(
            """
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="active",version="1"} 12
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="waiting",version="1"} 3
            nv_trt_llm_request_metrics{model="tensorrt_llm",request_type="max",version="1"} 64
            nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction",model="tensorrt_llm",version="1"} 0.6
            nv_inference_pending_request_count{model="ensemble",version="1"} 5
            nv_inference_pending_request_count{model="preprocessing",version="1"} 5
            nv_inference_pending_request_count{model="tensorrt_llm",version="1"} 2
            nv_inference_pending_request_count{model="postprocessing",version="1"} 5
            nv_inference_pending_request_count{model="tensorrt_llm_bls",version="1"} 5
            """);
    assertEquals(EngineProfile.TRITON, EngineProfile.detect(e));
    for (List<String> models :
        List.<List<String>>of(List.of("ensemble"), List.of("llama-svc"), List.of())) {
      assertEquals(new EngineLoad(12, 5, 0.6), EngineProfile.TRITON.read(e, models), "" + models);
    }
  }

  @Test
  void nimCaptureIsDetectedAndReadAlsoWhenDeclaredAsVllm() {
    Exposition e = parse(Fixtures.metrics(Fixtures.NIM));
    assertEquals(EngineProfile.NIM, EngineProfile.detect(e));
    EngineLoad nim = new EngineLoad(1, 0, 0.0002848191398461977, 174);
    assertEquals(nim, EngineProfile.NIM.read(e, List.of("llama-svc")));
    assertEquals(nim, EngineProfile.VLLM.read(e, List.of("llama-svc")), "declared vllm");
    assertEquals(EngineKind.NIM, EngineKind.parse("nim"));
    assertEquals(EngineProfile.NIM, EngineProfile.of(EngineKind.NIM));
    Exposition vllm = parse(Fixtures.metrics(Fixtures.VLLM_V1));
    assertEquals(
        EngineProfile.VLLM.read(vllm, List.of()),
        EngineProfile.NIM.read(vllm, List.of()),
        "declared nim, vllm: names (a NIM on newer vLLM)");
    for (String name : List.of("num_requests_running", "gpu_cache_usage_perc")) {
      assertTrue(EngineProfile.METRIC_NAMES.contains(name), name);
    }
  }

  @Test
  void llamaCppServerIsDetectedAndRead() {
    // Synthetic, no capture at hand. Names from llama.cpp's server /metrics handler, which writes
    // every gauge as "llamacpp:<name>": requests_processing (busy slots) and requests_deferred
    // (tasks waiting for a slot); kv_cache_usage_ratio (used cells / n_ctx) only in older builds
    // (examples/server/server.cpp), gone from the newer to_metrics() of tools/server.
    Exposition older =
        parse(
            """
            # TYPE llamacpp:kv_cache_usage_ratio gauge
            llamacpp:kv_cache_usage_ratio 0.25
            # TYPE llamacpp:requests_processing gauge
            llamacpp:requests_processing 4
            # TYPE llamacpp:requests_deferred gauge
            llamacpp:requests_deferred 2
            # TYPE llamacpp:tokens_predicted_total counter
            llamacpp:tokens_predicted_total 7801
            """);
    assertEquals(EngineProfile.LLAMACPP, EngineProfile.detect(older));
    assertEquals(new EngineLoad(4, 2, 0.25), EngineProfile.LLAMACPP.read(older, List.of("x")));
    Exposition newer = parse("llamacpp:requests_processing 1\nllamacpp:requests_deferred 0\n");
    assertEquals(EngineProfile.LLAMACPP, EngineProfile.detect(newer));
    assertEquals(new EngineLoad(1, 0, Double.NaN), EngineProfile.LLAMACPP.read(newer, List.of()));
    assertEquals(EngineKind.LLAMACPP, EngineKind.parse("llamacpp"));
    assertEquals(EngineProfile.LLAMACPP, EngineProfile.of(EngineKind.LLAMACPP));
    assertTrue(EngineProfile.METRIC_NAMES.contains("llamacpp:requests_deferred"));
  }

  @Test
  void theScrapersNameFilterKeepsEveryNameTheProfilesRead() {
    for (String file :
        List.of(Fixtures.VLLM_V1, Fixtures.SGLANG, Fixtures.TRITON_TRTLLM, Fixtures.NIM)) {
      String text = Fixtures.metrics(file);
      Exposition all = parse(text);
      Exposition filtered = PrometheusParser.parse(text, EngineProfile.METRIC_NAMES::contains);
      EngineProfile p = EngineProfile.detect(all);
      assertEquals(p, EngineProfile.detect(filtered), file);
      assertEquals(p.read(all, List.of("svc")), p.read(filtered, List.of("svc")), file);
    }
    Exposition echo =
        PrometheusParser.parse(
            Fixtures.metrics(Fixtures.TRITON_NO_LLM), EngineProfile.METRIC_NAMES::contains);
    assertNull(EngineProfile.detect(echo));
  }

  @Test
  void tritonServingNoLlmIsNotAnLlmEngine() {
    Exposition e = parse(Fixtures.metrics(Fixtures.TRITON_NO_LLM));
    assertNull(EngineProfile.detect(e), "not an idle LLM engine: it has no LLM figures at all");
    for (List<String> models : List.<List<String>>of(List.of("echo"), List.of())) {
      IllegalArgumentException x =
          assertThrows(IllegalArgumentException.class, () -> EngineProfile.TRITON.read(e, models));
      assertTrue(
          x.getMessage().contains("no TensorRT-LLM metrics: not an LLM engine"), x.getMessage());
    }
  }

  @Test
  void generatedTokenCountersOnlyWhereTheyCountAsTokensAreProduced() {
    Exposition sglang =
        parse(
            """
            sglang:num_running_reqs{model_name="m",tp_rank="0"} 10
            sglang:num_running_reqs{model_name="m",tp_rank="1"} 10
            sglang:num_queue_reqs{model_name="m",tp_rank="0"} 0
            sglang:realtime_tokens_total{mode="decode",model_name="m",tp_rank="0"} 5000
            sglang:realtime_tokens_total{mode="decode",model_name="m",tp_rank="1"} 5000
            sglang:realtime_tokens_total{mode="prefill_compute",model_name="m",tp_rank="0"} 9e5
            sglang:generation_tokens_total{model_name="m"} 4200
            """);
    EngineLoad s = EngineProfile.SGLANG.read(sglang, List.of());
    assertEquals(20, s.running());
    assertEquals(
        10_000,
        s.generatedTokens(),
        "decode tokens summed like running (ratio kept when every rank reports), not prefill");
    assertTrue(
        Double.isNaN(
            EngineProfile.SGLANG
                .read(parse(Fixtures.metrics(Fixtures.SGLANG)), List.of())
                .generatedTokens()),
        "generation_tokens_total moves only when a request finishes: not a rate");

    Exposition tgi =
        parse(
            """
            tgi_queue_size 0
            tgi_batch_current_size 3
            tgi_request_generated_tokens_sum 12345.0
            """);
    assertTrue(Double.isNaN(EngineProfile.TGI.read(tgi, List.of()).generatedTokens()));

    Exposition garbage =
        parse(
            """
            vllm:num_requests_running{model_name="m"} 1
            vllm:num_requests_waiting{model_name="m"} 0
            vllm:generation_tokens_total{model_name="m"} -5
            """);
    assertTrue(
        Double.isNaN(EngineProfile.VLLM.read(garbage, List.of()).generatedTokens()),
        "a negative counter is no counter");
  }

  @Test
  void nonFiniteNegativeHugeOrDuplicatedValuesFailTheScrapeInsteadOfLookingIdle() {
    for (String bad : List.of("NaN", "+Inf", "-Inf", "-1", "1.7e308", "2e7")) {
      Exposition e =
          parse(
              "vllm:num_requests_running{model_name=\"m\"} 3\n"
                  + "vllm:num_requests_waiting{model_name=\"m\"} "
                  + bad
                  + "\n");
      IllegalArgumentException x =
          assertThrows(
              IllegalArgumentException.class, () -> EngineProfile.VLLM.read(e, List.of()), bad);
      assertTrue(x.getMessage().contains("vllm:num_requests_waiting"), x.getMessage());
    }
    Exposition overflow =
        parse(
            """
            vllm:num_requests_running{engine="0",model_name="m"} 9e6
            vllm:num_requests_running{engine="1",model_name="m"} 9e6
            vllm:num_requests_waiting{engine="0",model_name="m"} 0
            """);
    assertThrows(
        IllegalArgumentException.class, () -> EngineProfile.VLLM.read(overflow, List.of()));
    Exposition nanKv =
        parse(
            """
            vllm:num_requests_running{model_name="m"} 1
            vllm:num_requests_waiting{model_name="m"} 0
            vllm:kv_cache_usage_perc{model_name="m"} NaN
            """);
    assertThrows(IllegalArgumentException.class, () -> EngineProfile.VLLM.read(nanKv, List.of()));
    Exposition duplicated =
        parse(
            """
            vllm:num_requests_running{engine="0",model_name="m"} 4
            vllm:num_requests_running{model_name="m",engine="0"} 4
            vllm:num_requests_waiting{engine="0",model_name="m"} 0
            """);
    IllegalArgumentException x =
        assertThrows(
            IllegalArgumentException.class, () -> EngineProfile.VLLM.read(duplicated, List.of()));
    assertTrue(x.getMessage().contains("duplicate series"), x.getMessage());
    Exposition overfull =
        parse(
            """
            vllm:num_requests_running{model_name="m"} 1
            vllm:num_requests_waiting{model_name="m"} 0
            vllm:kv_cache_usage_perc{model_name="m"} 7.5
            """);
    assertEquals(1.0, EngineProfile.VLLM.read(overfull, List.of()).kvUsage(), "clamped to 0..1");
  }

  @Test
  void missingMetricsAreAnErrorNotAZeroLoad() {
    Exposition e = parse("process_cpu_seconds_total 12\n");
    assertNull(EngineProfile.detect(e));
    IllegalArgumentException x =
        assertThrows(IllegalArgumentException.class, () -> EngineProfile.VLLM.read(e, List.of()));
    assertTrue(x.getMessage().contains("vllm:num_requests_running"), x.getMessage());
  }
}
