package dev.llmxds.fleet;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The engine a registration declares for an endpoint, by one of its names. How each engine's
 * metrics are read lives with its profile in {@code dev.llmxds.load.engine}; this enum only names
 * the engines, so discovery can reject an unknown one without depending on the load package.
 */
public enum EngineKind {
  /** Not declared: detected from the metric names the endpoint exposes. */
  AUTO("auto", ""),
  VLLM("vllm"),
  SGLANG("sglang"),
  TGI("tgi", "text-generation-inference"),
  /** Triton Inference Server with the TensorRT-LLM backend. */
  TRITON("triton", "trtllm", "tensorrt-llm"),
  /** NVIDIA NIM for LLMs: vLLM's figures without the {@code vllm:} prefix. */
  NIM("nim", "nvidia-nim"),
  /** llama.cpp's llama-server. */
  LLAMACPP("llamacpp", "llama.cpp", "llama-server"),
  /** Ray Serve LLM: vLLM's figures exported through Ray's metrics agent ({@code ray_vllm}). */
  RAY_SERVE("ray-serve", "ray-serve-llm", "ray"),
  /** TensorRT-LLM's own OpenAI server, {@code trtllm-serve}. */
  TRTLLM_SERVE("trtllm-serve"),
  LMDEPLOY("lmdeploy");

  private final List<String> names;

  EngineKind(String... names) {
    this.names = List.of(names);
  }

  /** The names a registration may use for this engine, the first being its own. */
  public List<String> names() {
    return names;
  }

  public static EngineKind parse(String text) {
    String name = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
    for (EngineKind kind : values()) {
      if (kind.names.contains(name)) {
        return kind;
      }
    }
    throw new IllegalArgumentException(
        "unknown engine '"
            + text
            + "' (expected "
            + Arrays.stream(values())
                .filter(k -> k != AUTO)
                .map(k -> k.names.get(0))
                .collect(Collectors.joining(", "))
            + " or auto)");
  }
}
