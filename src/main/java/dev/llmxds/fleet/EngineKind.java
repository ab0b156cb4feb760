package dev.llmxds.fleet;

import java.util.Locale;

/** Which inference engine serves an endpoint; decides how its /metrics are read. */
public enum EngineKind {
  /** Not declared: detected from the metric names the endpoint exposes. */
  AUTO,
  VLLM,
  SGLANG,
  TGI,
  TRITON,
  /** NVIDIA NIM for LLMs: vLLM's figures without the {@code vllm:} prefix. */
  NIM,
  /** llama.cpp's llama-server. */
  LLAMACPP;

  public static EngineKind parse(String text) {
    return switch (text == null ? "" : text.strip().toLowerCase(Locale.ROOT)) {
      case "", "auto" -> AUTO;
      case "vllm" -> VLLM;
      case "sglang" -> SGLANG;
      case "tgi", "text-generation-inference" -> TGI;
      case "triton", "trtllm", "tensorrt-llm" -> TRITON;
      case "nim", "nvidia-nim" -> NIM;
      case "llamacpp", "llama.cpp", "llama-server" -> LLAMACPP;
      default ->
          throw new IllegalArgumentException(
              "unknown engine '"
                  + text
                  + "' (expected vllm, sglang, tgi, triton, nim, llamacpp or auto)");
    };
  }
}
