package dev.llmxds.load;

import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.Sample;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * How each engine reports its load, and how to read it.
 *
 * <ul>
 *   <li>vLLM V1: {@code vllm:num_requests_running}, {@code vllm:num_requests_waiting}, {@code
 *       vllm:kv_cache_usage_perc}; one series per data-parallel {@code engine}: counts are summed,
 *       KV usage averaged. Older vLLM (V0, ≤ 0.10): {@code vllm:gpu_cache_usage_perc} and {@code
 *       vllm:num_requests_swapped} (preempted requests count as waiting).
 *   <li>SGLang: {@code sglang:num_running_reqs}, {@code sglang:num_queue_reqs}, {@code
 *       sglang:token_usage}.
 *   <li>NVIDIA NIM for LLMs: vLLM V0's figures without the prefix, {@code num_requests_running},
 *       {@code num_requests_waiting}, {@code gpu_cache_usage_perc}, {@code
 *       generation_tokens_total}; label {@code model_name}. A NIM declared as vLLM is read as NIM
 *       when its body has no {@code vllm:} request gauges, and the other way round.
 *   <li>llama.cpp server ({@code --metrics}): {@code llamacpp:requests_processing} (busy slots),
 *       {@code llamacpp:requests_deferred} (waiting for a slot), {@code
 *       llamacpp:kv_cache_usage_ratio} where the build still has it (older builds; else no KV).
 *   <li>TGI: {@code tgi_batch_current_size}, {@code tgi_queue_size}; no KV figure.
 *   <li>Triton + TensorRT-LLM: {@code nv_trt_llm_request_metrics{request_type=active|waiting}},
 *       {@code nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type=fraction}} (else used/max),
 *       plus Triton's own {@code nv_inference_pending_request_count} as waiting, all read on the
 *       TensorRT-LLM stage of an ensemble whatever the service's model names. A Triton without
 *       {@code nv_trt_llm_*} serves no LLM: not detected, and reading it fails.
 * </ul>
 *
 * vLLM and SGLang also give the cumulative generated-token count the speed estimate needs, counted
 * as tokens are produced: vLLM {@code vllm:generation_tokens_total} (every step), SGLang {@code
 * sglang:realtime_tokens_total{mode="decode"}} (every 40 decode steps). TGI and TensorRT-LLM count
 * output tokens only when a request finishes, which is too bursty for a rate: their weights come
 * from congestion alone. Missing: NaN.
 *
 * <p>When a server serves several models (label {@code model_name}), only the series of the
 * service's models are read.
 */
public enum EngineProfile {
  VLLM(EngineKind.VLLM, "model_name"),
  SGLANG(EngineKind.SGLANG, "model_name"),
  TGI(EngineKind.TGI, null),
  TRITON(EngineKind.TRITON, "model"),
  NIM(EngineKind.NIM, "model_name"),
  LLAMACPP(EngineKind.LLAMACPP, null);

  static final String VLLM_RUNNING = "vllm:num_requests_running";
  static final String VLLM_WAITING = "vllm:num_requests_waiting";
  static final String VLLM_SWAPPED = "vllm:num_requests_swapped";
  static final String VLLM_KV = "vllm:kv_cache_usage_perc";
  static final String VLLM_KV_OLD = "vllm:gpu_cache_usage_perc";
  static final String VLLM_GENERATED = "vllm:generation_tokens_total";
  static final String SGLANG_RUNNING = "sglang:num_running_reqs";
  static final String SGLANG_WAITING = "sglang:num_queue_reqs";
  static final String SGLANG_KV = "sglang:token_usage";
  static final String SGLANG_DECODED = "sglang:realtime_tokens_total";
  static final String TGI_RUNNING = "tgi_batch_current_size";
  static final String TGI_WAITING = "tgi_queue_size";
  static final String TRT_REQUESTS = "nv_trt_llm_request_metrics";
  static final String TRT_KV = "nv_trt_llm_kv_cache_block_metrics";
  static final String TRITON_PENDING = "nv_inference_pending_request_count";
  static final String NIM_RUNNING = "num_requests_running";
  static final String NIM_WAITING = "num_requests_waiting";
  static final String NIM_KV = "gpu_cache_usage_perc";
  static final String NIM_GENERATED = "generation_tokens_total";
  static final String LLAMACPP_RUNNING = "llamacpp:requests_processing";
  static final String LLAMACPP_WAITING = "llamacpp:requests_deferred";
  static final String LLAMACPP_KV = "llamacpp:kv_cache_usage_ratio";

  /** Every metric name any profile reads: the scraper materialises only these. */
  public static final Set<String> METRIC_NAMES =
      Set.of(
          VLLM_RUNNING,
          VLLM_WAITING,
          VLLM_SWAPPED,
          VLLM_KV,
          VLLM_KV_OLD,
          VLLM_GENERATED,
          SGLANG_RUNNING,
          SGLANG_WAITING,
          SGLANG_KV,
          SGLANG_DECODED,
          TGI_RUNNING,
          TGI_WAITING,
          TRT_REQUESTS,
          TRT_KV,
          TRITON_PENDING,
          NIM_RUNNING,
          NIM_WAITING,
          NIM_KV,
          NIM_GENERATED,
          LLAMACPP_RUNNING,
          LLAMACPP_WAITING,
          LLAMACPP_KV);

  private final EngineKind kind;
  private final String modelLabel;

  EngineProfile(EngineKind kind, String modelLabel) {
    this.kind = kind;
    this.modelLabel = modelLabel;
  }

  public EngineKind kind() {
    return kind;
  }

  public static EngineProfile of(EngineKind kind) {
    for (EngineProfile p : values()) {
      if (p.kind == kind) {
        return p;
      }
    }
    throw new IllegalArgumentException("no profile for " + kind);
  }

  /** The profile whose metrics the exposition carries, or null when none matches. */
  public static EngineProfile detect(Exposition e) {
    if (e.has(VLLM_RUNNING) || e.has(VLLM_WAITING)) {
      return VLLM;
    }
    if (e.has(SGLANG_RUNNING) || e.has(SGLANG_WAITING)) {
      return SGLANG;
    }
    if (e.has(TGI_WAITING) || e.has(TGI_RUNNING)) {
      return TGI;
    }
    if (e.has(TRT_REQUESTS) || e.has(TRT_KV)) {
      return TRITON; // a Triton with only nv_inference_* serves no LLM: not an LLM engine
    }
    if (e.has(LLAMACPP_RUNNING) || e.has(LLAMACPP_WAITING)) {
      return LLAMACPP;
    }
    if (isNim(e)) {
      return NIM; // generic names: checked last
    }
    return null;
  }

  /**
   * Reads the load of {@code models} (all series when the server reports one model only).
   *
   * @throws IllegalArgumentException naming what is missing
   */
  public EngineLoad read(Exposition e, Collection<String> models) {
    Predicate<Sample> ofModel = modelFilter(e, models);
    return switch (this) {
      case VLLM -> {
        if (!e.has(VLLM_RUNNING) && !e.has(VLLM_WAITING) && isNim(e)) {
          yield NIM.read(e, models); // NIM declared as vLLM: the same figures, unprefixed
        }
        double running = sum(e, VLLM_RUNNING, ofModel, true);
        double waiting = sum(e, VLLM_WAITING, ofModel, true) + sum(e, VLLM_SWAPPED, ofModel, false);
        double kv = mean(e, e.has(VLLM_KV) ? VLLM_KV : VLLM_KV_OLD, ofModel);
        yield new EngineLoad(running, waiting, kv, counter(e, VLLM_GENERATED, ofModel));
      }
      case SGLANG ->
          // realtime_tokens{mode="decode"} is bumped by the scheduler every log interval (40 decode
          // steps by default). Summed over every series like running, so the ratio holds whether
          // one rank or every tensor-parallel rank reports. generation_tokens_total moves only when
          // a request finishes: too bursty for a rate, not read (collector.py).
          new EngineLoad(
              sum(e, SGLANG_RUNNING, ofModel, true),
              sum(e, SGLANG_WAITING, ofModel, true),
              mean(e, SGLANG_KV, ofModel),
              counter(e, SGLANG_DECODED, ofModel.and(labelIs("mode", "decode"))));
      case TGI ->
          // TGI counts generated tokens only per finished request (a histogram observed when a
          // request succeeds, router/src/server.rs): too bursty for a rate; congestion only.
          new EngineLoad(
              sum(e, TGI_RUNNING, ofModel, true), sum(e, TGI_WAITING, ofModel, true), Double.NaN);
      case TRITON -> readTriton(e, models);
      case LLAMACPP ->
          // one model per server, no label; slots busy, and requests deferred for want of a free
          // slot. tokens_predicted_total is added when a request finishes: not read.
          new EngineLoad(
              sum(e, LLAMACPP_RUNNING, ofModel, true),
              sum(e, LLAMACPP_WAITING, ofModel, true),
              mean(e, LLAMACPP_KV, ofModel));
      case NIM -> {
        if (!isNim(e) && (e.has(VLLM_RUNNING) || e.has(VLLM_WAITING))) {
          yield VLLM.read(e, models); // a NIM built on newer vLLM keeps the vllm: prefix
        }
        // vLLM V0's figures without the prefix; generation_tokens_total counts every step
        yield new EngineLoad(
            sum(e, NIM_RUNNING, ofModel, true),
            sum(e, NIM_WAITING, ofModel, true),
            mean(e, NIM_KV, ofModel),
            counter(e, NIM_GENERATED, ofModel));
      }
    };
  }

  /**
   * Triton + TensorRT-LLM. The LLM figures are on the TensorRT-LLM stage, the model whose series
   * carry {@code nv_trt_llm_*}, whatever it is called: a deployment is usually an ensemble ({@code
   * ensemble}, {@code preprocessing}, {@code tensorrt_llm}, {@code postprocessing}, {@code
   * tensorrt_llm_bls} in one body) and the service's model names are those of the ensemble, not of
   * the stage. Triton's pending count is read for that stage only: every request passes each stage,
   * so summing the stages would count it several times. When one Triton serves several LLM stages
   * and the service names some of them, only those are read.
   */
  private static EngineLoad readTriton(Exposition e, Collection<String> models) {
    Set<String> stages = new HashSet<>();
    for (String name : List.of(TRT_REQUESTS, TRT_KV)) {
      for (Sample s : e.samples(name)) {
        stages.add(s.label("model") == null ? "" : s.label("model"));
      }
    }
    if (stages.isEmpty()) {
      throw new IllegalArgumentException(
          "no TensorRT-LLM metrics: not an LLM engine (no " + TRT_REQUESTS + " series)");
    }
    Set<String> named = new HashSet<>(stages);
    named.retainAll(models);
    Set<String> read = named.isEmpty() ? stages : named;
    Predicate<Sample> ofStage =
        s -> read.contains(s.label("model") == null ? "" : s.label("model"));
    double running = sum(e, TRT_REQUESTS, ofStage.and(labelIs("request_type", "active")), false);
    double waiting =
        sum(e, TRT_REQUESTS, ofStage.and(labelIs("request_type", "waiting")), false)
            + sum(e, TRITON_PENDING, ofStage, false);
    double kv = mean(e, TRT_KV, ofStage.and(labelIs("kv_cache_block_type", "fraction")));
    if (Double.isNaN(kv)) {
      double used = sum(e, TRT_KV, ofStage.and(labelIs("kv_cache_block_type", "used")), false);
      double max = sum(e, TRT_KV, ofStage.and(labelIs("kv_cache_block_type", "max")), false);
      kv = max > 0 ? used / max : Double.NaN;
    }
    // TensorRT-LLM counts output tokens only per finished request (nv_llm_output_token_len,
    // custom_metrics_reporter.cc): too bursty for a rate; congestion only.
    return new EngineLoad(running, waiting, kv);
  }

  /** NVIDIA NIM for LLMs: vLLM's request gauges without the {@code vllm:} prefix. */
  private static boolean isNim(Exposition e) {
    return e.has(NIM_RUNNING) || e.has(NIM_WAITING);
  }

  private Predicate<Sample> modelFilter(Exposition e, Collection<String> models) {
    if (modelLabel == null || models.isEmpty()) {
      return s -> true;
    }
    Set<String> served =
        e.samples().stream()
            .map(s -> s.label(modelLabel))
            .filter(m -> m != null)
            .collect(Collectors.toSet());
    if (served.size() <= 1) {
      return s -> true; // one model per server: its name need not match the routing names
    }
    return s -> models.contains(s.label(modelLabel));
  }

  private static Predicate<Sample> labelIs(String key, String value) {
    return s -> value.equals(s.label(key));
  }

  /** No engine runs or queues this many requests: a larger gauge is garbage or hostile. */
  static final double MAX_REQUESTS = 10_000_000;

  /**
   * The samples of {@code name} that pass {@code filter}; the same series (name and labels) twice
   * in one body is an invalid body, not something to add up.
   */
  private static List<Sample> select(Exposition e, String name, Predicate<Sample> filter) {
    List<Sample> out = e.samples(name).stream().filter(filter).toList();
    if (out.size() > 1) {
      Set<Map<String, String>> seen = new HashSet<>();
      for (Sample s : out) {
        if (!seen.add(s.labels())) {
          throw new IllegalArgumentException("duplicate series " + name + s.labels());
        }
      }
    }
    return out;
  }

  /**
   * The sum of a gauge of request counts. A NaN, infinite, negative or implausibly large value
   * makes the whole scrape invalid (it fails and the weight goes stale), never an idle engine.
   */
  private static double sum(Exposition e, String name, Predicate<Sample> filter, boolean required) {
    List<Sample> samples = select(e, name, filter);
    if (samples.isEmpty() && required) {
      throw new IllegalArgumentException("no " + name + " series for the service's models");
    }
    double total = 0;
    for (Sample s : samples) {
      if (!(s.value() >= 0 && s.value() <= MAX_REQUESTS)) {
        throw new IllegalArgumentException(
            name + " is " + s.value() + ": not a request count (0.." + (long) MAX_REQUESTS + ")");
      }
      total += s.value();
    }
    if (total > MAX_REQUESTS) {
      throw new IllegalArgumentException(name + " sums to " + total + ": not a request count");
    }
    return total;
  }

  /**
   * The sum of a counter's series, or NaN when the engine does not expose it (or a series is not a
   * usable counter value): the speed estimate then falls back to the service's median.
   */
  private static double counter(Exposition e, String name, Predicate<Sample> filter) {
    List<Sample> samples = select(e, name, filter);
    if (samples.isEmpty()) {
      return Double.NaN;
    }
    double total = 0;
    for (Sample s : samples) {
      if (!Double.isFinite(s.value()) || s.value() < 0) {
        return Double.NaN;
      }
      total += s.value();
    }
    return total;
  }

  /** The mean of a fraction gauge (KV usage); a non-finite value makes the scrape invalid. */
  private static double mean(Exposition e, String name, Predicate<Sample> filter) {
    List<Sample> samples = select(e, name, filter);
    for (Sample s : samples) {
      if (!Double.isFinite(s.value())) {
        throw new IllegalArgumentException(name + " is " + s.value() + ": not a fraction");
      }
    }
    return samples.stream().mapToDouble(Sample::value).average().orElse(Double.NaN);
  }
}
