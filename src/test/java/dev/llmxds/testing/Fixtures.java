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
}
