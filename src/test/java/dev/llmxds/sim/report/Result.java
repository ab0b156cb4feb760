package dev.llmxds.sim.report;

/** One policy on one scenario. Times in seconds. */
public record Result(
    String policy,
    double ttftP50,
    double ttftP99,
    double e2eP99,
    double throughput,
    double imbalance,
    double weightUpdatesPerSecond,
    long completed,
    long failed,
    double prefixHitRate,
    double hottestShare) {}
