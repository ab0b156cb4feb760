package dev.llmxds.xds.resource;

import com.google.protobuf.Duration;

/** java.time durations to protobuf durations. */
final class ProtoDurations {
  private ProtoDurations() {}

  static Duration of(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
