package dev.llmxds.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** The real engine /metrics captures in ../shared/fixtures/metrics, used as they are. */
public final class Fixtures {
  public static final Path METRICS = Path.of("..", "shared", "fixtures", "metrics");

  private Fixtures() {}

  public static String metrics(String file) {
    try {
      return Files.readString(METRICS.resolve(file), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("fixture " + METRICS.resolve(file) + " is missing", e);
    }
  }

  public static final String VLLM_V1 = "vllm-v1-ngc25.09-2026-02-14.prom";
  public static final String SGLANG = "sglang-docs-llama3.1-8b-2025.prom";

  /** A documentation sample (not a capture): values hand-written upstream, see SOURCES.md. */
  public static final String TRITON_TRTLLM = "triton-trtllm-readme-sample-2026-07.prom";

  /** Triton on CPU serving a non-LLM Python model, idle: no nv_trt_llm_* at all. */
  public static final String TRITON_NO_LLM = "triton-25.12-cpu-python-echo-idle.prom";

  /** NVIDIA NIM for LLMs: vLLM's figures without the vllm: prefix. */
  public static final String NIM = "nim-llm-llama3.1-8b-datadog-2024-10.prom";
}
