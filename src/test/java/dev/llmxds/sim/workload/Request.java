package dev.llmxds.sim.workload;

import dev.llmxds.demo.EngineModel;

/** One completion request travelling through the simulation. */
public final class Request {
  public final long id;
  public final double arrival;
  public final int promptTokens;
  public final int outputTokens;
  public final int sidecar;

  /** The session key a hash policy reads (e.g. an {@code x-session-id} header), or -1: none. */
  public final long session;

  /** What its tokens are, for prefix caching; null: nothing cacheable. */
  public final EngineModel.Prefix prefix;

  /** The conversation it is a turn of, or null. */
  public final MultiTurn.Conversation conversation;

  public int engine = -1;
  public double firstToken = Double.NaN;
  public double done = Double.NaN;

  public Request(long id, double arrival, int promptTokens, int outputTokens, int sidecar) {
    this(id, arrival, promptTokens, outputTokens, sidecar, -1, null, null);
  }

  public Request(
      long id,
      double arrival,
      int promptTokens,
      int outputTokens,
      int sidecar,
      long session,
      EngineModel.Prefix prefix,
      MultiTurn.Conversation conversation) {
    this.id = id;
    this.arrival = arrival;
    this.promptTokens = promptTokens;
    this.outputTokens = outputTokens;
    this.sidecar = sidecar;
    this.session = session;
    this.prefix = prefix;
    this.conversation = conversation;
  }
}
