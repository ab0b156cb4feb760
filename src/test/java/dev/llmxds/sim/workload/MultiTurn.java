package dev.llmxds.sim.workload;

import dev.llmxds.demo.EngineModel;
import java.util.Random;

/**
 * A multi-turn chat workload for prefix-cache affinity: sessions start as a Poisson stream; a share
 * of them are one-shot requests, the rest conversations of several turns. Every session opens with
 * one of a few shared system prompts; a conversation's next turn comes a think time after the
 * previous answer, and its prompt is the previous prompt and answer plus a new user message (so the
 * previous turn's tokens are its prefix). Every request carries its session's key. Seeded.
 *
 * @param sessionsPerSecond new sessions per second (conversations and one-shots)
 * @param oneShotShare share of sessions that are a single request
 * @param systemPrompts how many distinct shared system prompts
 * @param minTurns fewest turns of a conversation
 * @param maxTurns most turns (uniform in between)
 * @param thinkSeconds mean think time between an answer and the next turn (exponential)
 * @param maxContext a conversation ends once its next prompt would exceed this many tokens
 */
public record MultiTurn(
    double sessionsPerSecond,
    double oneShotShare,
    int systemPrompts,
    int minTurns,
    int maxTurns,
    double thinkSeconds,
    int maxContext) {

  /** Chat sessions: 30 % one-shot, 2–10 turns, 16 system prompts, 10 s think time. */
  public static MultiTurn chat(double sessionsPerSecond) {
    return new MultiTurn(sessionsPerSecond, 0.3, 16, 2, 10, 10, 16_000);
  }

  /** Mean requests per session. */
  public double requestsPerSession() {
    return oneShotShare + (1 - oneShotShare) * (minTurns + maxTurns) / 2.0;
  }

  /** A conversation in progress. */
  public static final class Conversation {
    final long session;
    final int systemPrompt;
    final int[] message;
    final int[] answer;
    final int[] sidecar;
    final double[] think;
    int turn;
    int context; // tokens of prompt and answers so far

    Conversation(long session, int systemPrompt, int turns) {
      this.session = session;
      this.systemPrompt = systemPrompt;
      this.message = new int[turns];
      this.answer = new int[turns];
      this.sidecar = new int[turns];
      this.think = new double[turns];
    }
  }

  /** The generator for one run. */
  public final class Stream {
    private final Random random;
    private final int[] systemTokens;
    private final int sidecars;
    private long sessions;

    public Stream(long seed, int sidecars) {
      this.random = new Random(seed);
      this.sidecars = sidecars;
      this.systemTokens = new int[systemPrompts];
      for (int i = 0; i < systemPrompts; i++) {
        systemTokens[i] = logNormal(6.9, 0.5, 200, 4_000); // median ~1,000 tokens
      }
    }

    /** Gap to the next new session. */
    public double nextGap(double now) {
      return -Math.log(1 - random.nextDouble()) / sessionsPerSecond;
    }

    /** The first request of a new session. */
    public Request start(long id, double now) {
      long session = sessions++;
      int system = random.nextInt(systemPrompts);
      if (random.nextDouble() < oneShotShare) {
        int prompt = systemTokens[system] + logNormal(6.0, 0.9, 16, 8_000);
        return new Request(
            id,
            now,
            prompt,
            logNormal(4.8, 0.8, 4, 2_000),
            random.nextInt(sidecars),
            session,
            new EngineModel.Prefix(system, systemTokens[system], session),
            null);
      }
      // every turn is drawn now, so every policy sees the same conversations
      Conversation c =
          new Conversation(session, system, minTurns + random.nextInt(maxTurns - minTurns + 1));
      for (int t = 0; t < c.message.length; t++) {
        c.message[t] = logNormal(5.0, 0.8, 8, 2_000); // user message, median ~150 tokens
        c.answer[t] = logNormal(5.3, 0.6, 8, 1_500); // answer, median ~200 tokens
        c.sidecar[t] = random.nextInt(sidecars);
        c.think[t] = -Math.log(1 - random.nextDouble()) * thinkSeconds;
      }
      c.context = systemTokens[system];
      return turn(id, now, c);
    }

    private Request turn(long id, double now, Conversation c) {
      int t = c.turn++;
      int prompt = c.context + c.message[t];
      c.context = prompt + c.answer[t];
      return new Request(
          id,
          now,
          prompt,
          c.answer[t],
          c.sidecar[t],
          c.session,
          new EngineModel.Prefix(c.systemPrompt, systemTokens[c.systemPrompt], c.session),
          c);
    }

    /** Think time before the next turn of {@code r}'s conversation, or NaN if it has ended. */
    public double thinkAfter(Request r) {
      Conversation c = r.conversation;
      if (c == null
          || c.turn >= c.message.length
          || c.context + c.message[c.turn] + c.answer[c.turn] > maxContext) {
        return Double.NaN;
      }
      return c.think[c.turn - 1];
    }

    /** The next turn of {@code r}'s conversation. */
    public Request next(long id, double now, Request r) {
      return turn(id, now, r.conversation);
    }

    private int logNormal(double mu, double sigma, int min, int max) {
      return (int) Math.max(min, Math.min(max, Math.exp(mu + sigma * random.nextGaussian())));
    }
  }
}
