package dev.llmxds.load.engine;

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
  private static final EngineProfile VLLM = EngineProfiles.of(EngineKind.VLLM);
  private static final EngineProfile SGLANG = EngineProfiles.of(EngineKind.SGLANG);
  private static final EngineProfile TGI = EngineProfiles.of(EngineKind.TGI);
  private static final EngineProfile TRITON = EngineProfiles.of(EngineKind.TRITON);
  private static final EngineProfile NIM = EngineProfiles.of(EngineKind.NIM);
  private static final EngineProfile LLAMACPP = EngineProfiles.of(EngineKind.LLAMACPP);
  private static final EngineProfile RAY_SERVE = EngineProfiles.of(EngineKind.RAY_SERVE);
  private static final EngineProfile TRTLLM_SERVE = EngineProfiles.of(EngineKind.TRTLLM_SERVE);
  private static final EngineProfile LMDEPLOY = EngineProfiles.of(EngineKind.LMDEPLOY);

  // Synthetic bodies: no real capture of these engines is at hand. Names and labels follow each
  // engine's source, cited in its profile class.

  /** Ray node exporter, current vLLM: two replicas of one model, one of another model. */
  private static final String RAY_SERVE_BODY =
      """
      # TYPE ray_vllm_num_requests_running gauge
      ray_vllm_num_requests_running{ReplicaId="r1",WorkerId="w1",engine="0",model_name="qwen"} 3
      ray_vllm_num_requests_running{ReplicaId="r2",WorkerId="w2",engine="0",model_name="qwen"} 5
      ray_vllm_num_requests_running{ReplicaId="r3",WorkerId="w3",engine="0",model_name="llama"} 40
      # TYPE ray_vllm_num_requests_waiting gauge
      ray_vllm_num_requests_waiting{ReplicaId="r1",WorkerId="w1",engine="0",model_name="qwen"} 1
      ray_vllm_num_requests_waiting{ReplicaId="r2",WorkerId="w2",engine="0",model_name="qwen"} 0
      ray_vllm_num_requests_waiting{ReplicaId="r3",WorkerId="w3",engine="0",model_name="llama"} 9
      # TYPE ray_vllm_kv_cache_usage_perc gauge
      ray_vllm_kv_cache_usage_perc{ReplicaId="r1",WorkerId="w1",engine="0",model_name="qwen"} 0.25
      ray_vllm_kv_cache_usage_perc{ReplicaId="r2",WorkerId="w2",engine="0",model_name="qwen"} 0.75
      ray_vllm_kv_cache_usage_perc{ReplicaId="r3",WorkerId="w3",engine="0",model_name="llama"} 0.9
      # TYPE ray_vllm_generation_tokens_total counter
      ray_vllm_generation_tokens_total{ReplicaId="r1",WorkerId="w1",engine="0",model_name="qwen"} 100
      ray_vllm_generation_tokens_total{ReplicaId="r2",WorkerId="w2",engine="0",model_name="qwen"} 250
      ray_vllm_generation_tokens_total{ReplicaId="r3",WorkerId="w3",engine="0",model_name="llama"} 7000
      # TYPE ray_serve_deployment_queued_queries gauge
      ray_serve_deployment_queued_queries{deployment="LLMServer:qwen"} 12
      """;

  /** trtllm-serve's /prometheus/metrics with iteration stats on. */
  private static final String TRTLLM_SERVE_BODY =
      """
      # TYPE trtllm_num_requests_running gauge
      trtllm_num_requests_running{engine_type="undefined",model_name="undefined"} 4.0
      # TYPE trtllm_num_requests_waiting gauge
      trtllm_num_requests_waiting{engine_type="undefined",model_name="undefined"} 2.0
      # TYPE trtllm_kv_cache_utilization gauge
      trtllm_kv_cache_utilization{engine_type="undefined",model_name="undefined"} 0.35
      # TYPE trtllm_generation_tokens_total counter
      trtllm_generation_tokens_total{engine_type="undefined",model_name="undefined"} 5120.0
      """;

  /** LMDeploy with two data-parallel ranks. */
  private static final String LMDEPLOY_BODY =
      """
      # TYPE lmdeploy:num_requests_running gauge
      lmdeploy:num_requests_running{engine="0",model_name="internlm"} 3.0
      lmdeploy:num_requests_running{engine="1",model_name="internlm"} 4.0
      # TYPE lmdeploy:num_requests_waiting gauge
      lmdeploy:num_requests_waiting{engine="0",model_name="internlm"} 0.0
      lmdeploy:num_requests_waiting{engine="1",model_name="internlm"} 2.0
      # TYPE lmdeploy:num_requests_unfinished gauge
      lmdeploy:num_requests_unfinished{engine="0",model_name="internlm"} 3.0
      lmdeploy:num_requests_unfinished{engine="1",model_name="internlm"} 6.0
      # TYPE lmdeploy:gpu_cache_usage_perc gauge
      lmdeploy:gpu_cache_usage_perc{engine="0",model_name="internlm"} 0.5
      lmdeploy:gpu_cache_usage_perc{engine="1",model_name="internlm"} 0.7
      # TYPE lmdeploy:generation_tokens_total counter
      lmdeploy:generation_tokens_total{engine="0",model_name="internlm"} 100.0
      lmdeploy:generation_tokens_total{engine="1",model_name="internlm"} 200.0
      """;

  private static Exposition parse(String text) {
    Exposition e = PrometheusParser.parse(text);
    assertEquals(List.of(), e.errors());
    return e;
  }

  @Test
  void vllmV1CaptureIsDetectedAndRead() {
    Exposition e = parse(Fixtures.metrics(Fixtures.VLLM_V1));
    assertEquals(VLLM, EngineProfiles.detect(e));
    EngineLoad load = VLLM.read(e, List.of("some-routing-name"));
    assertEquals(
        new EngineLoad(0, 0, 0.0011764705882353343, 1739), load, "generation_tokens_total");
  }

  @Test
  void sglangCaptureIsDetectedAndRead() {
    Exposition e = parse(Fixtures.metrics(Fixtures.SGLANG));
    assertEquals(SGLANG, EngineProfiles.detect(e));
    assertEquals(new EngineLoad(162, 2826, 0.28), SGLANG.read(e, List.of()));
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
    assertEquals(new EngineLoad(16, 4, 0.7, 1234), VLLM.read(e, List.of("m")));
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
    assertEquals(new EngineLoad(8, 3, 0.75), VLLM.read(e, List.of()));
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
    assertEquals(new EngineLoad(4, 1, 0.2, 50), VLLM.read(e, List.of("a")));
    assertThrows(IllegalArgumentException.class, () -> VLLM.read(e, List.of("c")));
  }

  @Test
  void tgiAndTritonProfiles() {
    Exposition tgi =
        parse("tgi_queue_size 5\ntgi_batch_current_size 12\ntgi_batch_current_max_tokens 4096\n");
    assertEquals(TGI, EngineProfiles.detect(tgi));
    EngineLoad t = TGI.read(tgi, List.of("x"));
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
    assertEquals(TRITON, EngineProfiles.detect(trt));
    assertEquals(
        new EngineLoad(7, 2, 0.3),
        TRITON.read(trt, List.of()),
        "pending counted for the TensorRT-LLM stage only, not for the ensemble");
  }

  @Test
  void tritonReadsTheTensorRtLlmStageWhateverTheServicesModelsAre() {
    // documentation sample (SOURCES.md): active 0, waiting 1, fraction 0.4875, pending 0
    Exposition e = parse(Fixtures.metrics(Fixtures.TRITON_TRTLLM));
    assertEquals(TRITON, EngineProfiles.detect(e));
    for (List<String> models :
        List.<List<String>>of(List.of("ensemble"), List.of("llama-svc"), List.of())) {
      assertEquals(new EngineLoad(0, 1, 0.4875), TRITON.read(e, models), "" + models);
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
    assertEquals(TRITON, EngineProfiles.detect(e));
    for (List<String> models :
        List.<List<String>>of(List.of("ensemble"), List.of("llama-svc"), List.of())) {
      assertEquals(new EngineLoad(12, 5, 0.6), TRITON.read(e, models), "" + models);
    }
  }

  @Test
  void nimCaptureIsDetectedAndReadAlsoWhenDeclaredAsVllm() {
    Exposition e = parse(Fixtures.metrics(Fixtures.NIM));
    assertEquals(NIM, EngineProfiles.detect(e));
    EngineLoad nim = new EngineLoad(1, 0, 0.0002848191398461977, 174);
    assertEquals(nim, NIM.read(e, List.of("llama-svc")));
    assertEquals(
        nim, EngineProfiles.forBody(VLLM, e).read(e, List.of("llama-svc")), "declared vllm");
    assertEquals(EngineKind.NIM, EngineKind.parse("nim"));
    assertEquals(NIM, EngineProfiles.of(EngineKind.NIM));
    Exposition vllm = parse(Fixtures.metrics(Fixtures.VLLM_V1));
    assertEquals(
        VLLM.read(vllm, List.of()),
        EngineProfiles.forBody(NIM, vllm).read(vllm, List.of()),
        "declared nim, vllm: names (a NIM on newer vLLM)");
    for (String name : List.of("num_requests_running", "gpu_cache_usage_perc")) {
      assertTrue(EngineProfiles.METRIC_NAMES.contains(name), name);
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
    assertEquals(LLAMACPP, EngineProfiles.detect(older));
    assertEquals(new EngineLoad(4, 2, 0.25), LLAMACPP.read(older, List.of("x")));
    Exposition newer = parse("llamacpp:requests_processing 1\nllamacpp:requests_deferred 0\n");
    assertEquals(LLAMACPP, EngineProfiles.detect(newer));
    assertEquals(new EngineLoad(1, 0, Double.NaN), LLAMACPP.read(newer, List.of()));
    assertEquals(EngineKind.LLAMACPP, EngineKind.parse("llamacpp"));
    assertEquals(LLAMACPP, EngineProfiles.of(EngineKind.LLAMACPP));
    assertTrue(EngineProfiles.METRIC_NAMES.contains("llamacpp:requests_deferred"));
  }

  @Test
  void rayServeLlmIsReadPerModelOverTheNodesReplicasInBothSpellings() {
    Exposition e = parse(RAY_SERVE_BODY);
    assertEquals(RAY_SERVE, EngineProfiles.detect(e));
    assertEquals(new EngineLoad(8, 1, 0.5, 350), RAY_SERVE.read(e, List.of("qwen")));
    assertEquals(new EngineLoad(40, 9, 0.9, 7000), RAY_SERVE.read(e, List.of("llama")));
    assertEquals(
        RAY_SERVE, EngineProfiles.forBody(VLLM, e), "declared vllm: read as Ray's vLLM figures");
    // vLLM before its Ray wrapper sanitised names kept the colon, and was V0 (gpu_cache_usage_perc)
    Exposition colon =
        parse(
            """
            ray_vllm:num_requests_running{ReplicaId="r1",WorkerId="w1",model_name="qwen"} 2
            ray_vllm:num_requests_waiting{ReplicaId="r1",WorkerId="w1",model_name="qwen"} 6
            ray_vllm:gpu_cache_usage_perc{ReplicaId="r1",WorkerId="w1",model_name="qwen"} 0.5
            ray_vllm:generation_tokens_total{ReplicaId="r1",WorkerId="w1",model_name="qwen"} 42
            """);
    assertEquals(RAY_SERVE, EngineProfiles.detect(colon));
    assertEquals(new EngineLoad(2, 6, 0.5, 42), RAY_SERVE.read(colon, List.of("qwen")));
    assertThrows(
        IllegalArgumentException.class,
        () -> RAY_SERVE.read(e, List.of("mistral")),
        "a model the node does not serve is no idle engine");
    assertEquals(EngineKind.RAY_SERVE, EngineKind.parse("ray-serve-llm"));
  }

  @Test
  void trtllmServeIsReadFromItsPrometheusEndpointAndOnlyWithQueueGauges() {
    Exposition e = parse(TRTLLM_SERVE_BODY);
    assertEquals(TRTLLM_SERVE, EngineProfiles.detect(e));
    EngineLoad load = TRTLLM_SERVE.read(e, List.of("llama-svc"));
    assertEquals(new EngineLoad(4, 2, 0.35), load, "generation tokens count per finished request");
    assertEquals(
        TRTLLM_SERVE,
        EngineProfiles.forBody(TRITON, e),
        "declared triton/trtllm on a trtllm-serve body");
    // a trtllm-serve whose collector has only per-request figures has no queue figure at all
    Exposition older =
        parse(
            """
            trtllm_request_success_total{finished_reason="stop",model_name="undefined"} 12
            trtllm_e2e_request_latency_seconds_count{model_name="undefined"} 12
            trtllm_e2e_request_latency_seconds_sum{model_name="undefined"} 30.5
            """);
    assertNull(EngineProfiles.detect(older));
    IllegalArgumentException x =
        assertThrows(IllegalArgumentException.class, () -> TRTLLM_SERVE.read(older, List.of()));
    assertTrue(x.getMessage().contains("trtllm_num_requests_running"), x.getMessage());
    assertEquals(EngineKind.TRTLLM_SERVE, EngineKind.parse("trtllm-serve"));
  }

  @Test
  void lmdeploySumsItsDataParallelRanks() {
    Exposition e = parse(LMDEPLOY_BODY);
    assertEquals(LMDEPLOY, EngineProfiles.detect(e));
    assertEquals(new EngineLoad(7, 2, 0.6, 300), LMDEPLOY.read(e, List.of("some-routing-name")));
    assertEquals(EngineKind.LMDEPLOY, EngineKind.parse("lmdeploy"));
  }

  @Test
  void theScrapersNameFilterKeepsEveryNameTheProfilesRead() {
    for (String text :
        List.of(
            Fixtures.metrics(Fixtures.VLLM_V1),
            Fixtures.metrics(Fixtures.SGLANG),
            Fixtures.metrics(Fixtures.TRITON_TRTLLM),
            Fixtures.metrics(Fixtures.NIM),
            RAY_SERVE_BODY,
            TRTLLM_SERVE_BODY,
            LMDEPLOY_BODY)) {
      String file = text.substring(0, Math.min(60, text.length()));
      Exposition all = parse(text);
      Exposition filtered = PrometheusParser.parse(text, EngineProfiles.METRIC_NAMES::contains);
      EngineProfile p = EngineProfiles.detect(all);
      assertEquals(p, EngineProfiles.detect(filtered), file);
      List<String> models = List.of("svc", "qwen"); // the Ray body serves two models
      assertEquals(p.read(all, models), p.read(filtered, models), file);
    }
    Exposition echo =
        PrometheusParser.parse(
            Fixtures.metrics(Fixtures.TRITON_NO_LLM), EngineProfiles.METRIC_NAMES::contains);
    assertNull(EngineProfiles.detect(echo));
  }

  @Test
  void tritonServingNoLlmIsNotAnLlmEngine() {
    Exposition e = parse(Fixtures.metrics(Fixtures.TRITON_NO_LLM));
    assertNull(EngineProfiles.detect(e), "not an idle LLM engine: it has no LLM figures at all");
    for (List<String> models : List.<List<String>>of(List.of("echo"), List.of())) {
      IllegalArgumentException x =
          assertThrows(IllegalArgumentException.class, () -> TRITON.read(e, models));
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
    EngineLoad s = SGLANG.read(sglang, List.of());
    assertEquals(20, s.running());
    assertEquals(
        10_000,
        s.generatedTokens(),
        "decode tokens summed like running (ratio kept when every rank reports), not prefill");
    assertTrue(
        Double.isNaN(
            SGLANG.read(parse(Fixtures.metrics(Fixtures.SGLANG)), List.of()).generatedTokens()),
        "generation_tokens_total moves only when a request finishes: not a rate");

    Exposition tgi =
        parse(
            """
            tgi_queue_size 0
            tgi_batch_current_size 3
            tgi_request_generated_tokens_sum 12345.0
            """);
    assertTrue(Double.isNaN(TGI.read(tgi, List.of()).generatedTokens()));

    Exposition garbage =
        parse(
            """
            vllm:num_requests_running{model_name="m"} 1
            vllm:num_requests_waiting{model_name="m"} 0
            vllm:generation_tokens_total{model_name="m"} -5
            """);
    assertTrue(
        Double.isNaN(VLLM.read(garbage, List.of()).generatedTokens()),
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
          assertThrows(IllegalArgumentException.class, () -> VLLM.read(e, List.of()), bad);
      assertTrue(x.getMessage().contains("vllm:num_requests_waiting"), x.getMessage());
    }
    Exposition overflow =
        parse(
            """
            vllm:num_requests_running{engine="0",model_name="m"} 9e6
            vllm:num_requests_running{engine="1",model_name="m"} 9e6
            vllm:num_requests_waiting{engine="0",model_name="m"} 0
            """);
    assertThrows(IllegalArgumentException.class, () -> VLLM.read(overflow, List.of()));
    Exposition nanKv =
        parse(
            """
            vllm:num_requests_running{model_name="m"} 1
            vllm:num_requests_waiting{model_name="m"} 0
            vllm:kv_cache_usage_perc{model_name="m"} NaN
            """);
    assertThrows(IllegalArgumentException.class, () -> VLLM.read(nanKv, List.of()));
    Exposition duplicated =
        parse(
            """
            vllm:num_requests_running{engine="0",model_name="m"} 4
            vllm:num_requests_running{model_name="m",engine="0"} 4
            vllm:num_requests_waiting{engine="0",model_name="m"} 0
            """);
    IllegalArgumentException x =
        assertThrows(IllegalArgumentException.class, () -> VLLM.read(duplicated, List.of()));
    assertTrue(x.getMessage().contains("duplicate series"), x.getMessage());
    Exposition overfull =
        parse(
            """
            vllm:num_requests_running{model_name="m"} 1
            vllm:num_requests_waiting{model_name="m"} 0
            vllm:kv_cache_usage_perc{model_name="m"} 7.5
            """);
    assertEquals(1.0, VLLM.read(overfull, List.of()).kvUsage(), "clamped to 0..1");
  }

  @Test
  void everyDeclarableEngineHasExactlyOneProfileAndItsNamesParse() {
    for (EngineKind kind : EngineKind.values()) {
      if (kind == EngineKind.AUTO) {
        assertThrows(IllegalArgumentException.class, () -> EngineProfiles.of(kind));
        continue;
      }
      assertEquals(kind, EngineProfiles.of(kind).kind());
      assertEquals(
          1, EngineProfiles.all().stream().filter(p -> p.kind() == kind).count(), "" + kind);
      for (String name : kind.names()) {
        assertEquals(kind, EngineKind.parse(" " + name.toUpperCase(java.util.Locale.ROOT)), name);
      }
    }
    assertEquals(EngineKind.AUTO, EngineKind.parse(null));
    IllegalArgumentException x =
        assertThrows(IllegalArgumentException.class, () -> EngineKind.parse("ollama"));
    assertTrue(
        x.getMessage().startsWith("unknown engine 'ollama' (expected vllm, "), x.getMessage());
    for (EngineProfile p : EngineProfiles.all()) {
      assertTrue(EngineProfiles.METRIC_NAMES.containsAll(p.metricNames()), "" + p.kind());
    }
  }

  @Test
  void missingMetricsAreAnErrorNotAZeroLoad() {
    Exposition e = parse("process_cpu_seconds_total 12\n");
    assertNull(EngineProfiles.detect(e));
    IllegalArgumentException x =
        assertThrows(IllegalArgumentException.class, () -> VLLM.read(e, List.of()));
    assertTrue(x.getMessage().contains("vllm:num_requests_running"), x.getMessage());
  }
}
