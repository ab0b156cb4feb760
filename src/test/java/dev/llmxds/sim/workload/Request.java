package dev.llmxds.sim.workload;

/** One completion request travelling through the simulation. */
public final class Request {
  public final long id;
  public final double arrival;
  public final int promptTokens;
  public final int outputTokens;
  public final int sidecar;
  public int engine = -1;
  public double firstToken = Double.NaN;
  public double done = Double.NaN;

  public Request(long id, double arrival, int promptTokens, int outputTokens, int sidecar) {
    this.id = id;
    this.arrival = arrival;
    this.promptTokens = promptTokens;
    this.outputTokens = outputTokens;
    this.sidecar = sidecar;
  }
}
