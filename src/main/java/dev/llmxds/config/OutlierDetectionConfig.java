package dev.llmxds.config;

import java.time.Duration;
import java.util.Locale;

/**
 * Envoy outlier detection, from a preset plus per-field overrides. Presets:
 *
 * <ul>
 *   <li>{@code small-pool} (default): ejects in pools of 2-10 GPUs (max_ejection_percent 50, so one
 *       of two hosts can go); 5 consecutive 5xx or 3 consecutive gateway failures, or over 50 %
 *       failures across 20+ requests in a 5 s interval; ejection 30 s growing to 300 s.
 *   <li>{@code nginx}: nginx {@code max_fails=5 fail_timeout=120s}: 5 consecutive failures take a
 *       server out for 120 s (no growth); any number of servers may be out.
 *   <li>{@code envoy}: Envoy's own defaults (max_ejection_percent 10: ejects nobody below 10
 *       hosts).
 *   <li>{@code off}: no outlier detection.
 * </ul>
 */
public record OutlierDetectionConfig(
    String preset,
    Integer consecutive5xx,
    Integer consecutiveGatewayFailure,
    Integer enforcingConsecutiveGatewayFailure,
    Duration interval,
    Duration baseEjectionTime,
    Duration maxEjectionTime,
    Integer maxEjectionPercent,
    Integer failurePercentageThreshold,
    Integer enforcingFailurePercentage,
    Integer failurePercentageMinimumHosts,
    Integer failurePercentageRequestVolume,
    Integer enforcingSuccessRate) {

  public static final OutlierDetectionConfig DEFAULT = preset("small-pool");

  public OutlierDetectionConfig {
    preset = Check.orDefault(preset, "small-pool").strip().toLowerCase(Locale.ROOT);
    int[] p =
        switch (preset) {
          // 5xx, gw, enforceGw, interval, base, max, maxPct, fpThr, fpEnf, fpHosts, fpVol, srEnf
          case "small-pool" -> new int[] {5, 3, 100, 5, 30, 300, 50, 50, 100, 2, 20, 0};
          case "nginx" -> new int[] {5, 5, 100, 10, 120, 120, 100, 85, 0, 5, 50, 0};
          case "envoy" -> new int[] {5, 5, 0, 10, 30, 300, 10, 85, 0, 5, 50, 100};
          case "off" -> new int[] {5, 5, 0, 10, 30, 300, 10, 85, 0, 5, 50, 0};
          default ->
              throw new ConfigException(
                  "preset",
                  "unknown outlier detection preset '"
                      + preset
                      + "' (expected small-pool, nginx, envoy or off)");
        };
    consecutive5xx =
        Check.range("consecutive5xx", Check.orDefault(consecutive5xx, p[0]), 1, 1_000_000);
    consecutiveGatewayFailure =
        Check.range(
            "consecutiveGatewayFailure",
            Check.orDefault(consecutiveGatewayFailure, p[1]),
            1,
            1_000_000);
    enforcingConsecutiveGatewayFailure =
        Check.range(
            "enforcingConsecutiveGatewayFailure",
            Check.orDefault(enforcingConsecutiveGatewayFailure, p[2]),
            0,
            100);
    interval = Check.positive("interval", Check.orDefault(interval, Duration.ofSeconds(p[3])));
    baseEjectionTime =
        Check.positive(
            "baseEjectionTime", Check.orDefault(baseEjectionTime, Duration.ofSeconds(p[4])));
    maxEjectionTime =
        Check.positive(
            "maxEjectionTime", Check.orDefault(maxEjectionTime, Duration.ofSeconds(p[5])));
    if (maxEjectionTime.compareTo(baseEjectionTime) < 0) {
      throw new ConfigException("maxEjectionTime", "must not be shorter than baseEjectionTime");
    }
    maxEjectionPercent =
        Check.range("maxEjectionPercent", Check.orDefault(maxEjectionPercent, p[6]), 0, 100);
    failurePercentageThreshold =
        Check.range(
            "failurePercentageThreshold",
            Check.orDefault(failurePercentageThreshold, p[7]),
            0,
            100);
    enforcingFailurePercentage =
        Check.range(
            "enforcingFailurePercentage",
            Check.orDefault(enforcingFailurePercentage, p[8]),
            0,
            100);
    failurePercentageMinimumHosts =
        Check.range(
            "failurePercentageMinimumHosts",
            Check.orDefault(failurePercentageMinimumHosts, p[9]),
            1,
            1_000_000);
    failurePercentageRequestVolume =
        Check.range(
            "failurePercentageRequestVolume",
            Check.orDefault(failurePercentageRequestVolume, p[10]),
            1,
            1_000_000);
    enforcingSuccessRate =
        Check.range("enforcingSuccessRate", Check.orDefault(enforcingSuccessRate, p[11]), 0, 100);
  }

  public static OutlierDetectionConfig preset(String name) {
    return new OutlierDetectionConfig(
        name, null, null, null, null, null, null, null, null, null, null, null, null);
  }

  public boolean enabled() {
    return !preset.equals("off");
  }
}
