package dev.llmxds.demo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A GPU inference engine with continuous batching, in the manner of vLLM, as a pure step function.
 * Requests wait in FIFO order; a step admits waiting requests while the batch has room ({@code
 * maxNumSeqs}) and their KV cache fits (prompt + max tokens reserved), runs their prefill, and
 * decodes one token for every running request. A step takes {@code (stepBase + stepPerSeq × batch +
 * prefillPerKToken × admitted prompt tokens / 1000) / speed} milliseconds: bigger batches decode
 * slower per step, a faster GPU has a higher speed. Deterministic; no clocks, no threads.
 */
public final class EngineModel {
  /** The engine's capacity and speed. */
  public record Spec(
      int maxNumSeqs,
      double stepBaseMs,
      double stepPerSeqMs,
      double prefillMsPerKToken,
      int kvCapacityTokens,
      double speed) {
    public static final Spec DEFAULT = new Spec(32, 8, 0.4, 20, 64 * 1024, 1.0);

    public Spec {
      if (maxNumSeqs < 1 || kvCapacityTokens < 1 || !(speed > 0)) {
        throw new IllegalArgumentException(
            "maxNumSeqs, kvCapacityTokens and speed must be positive");
      }
      if (stepBaseMs < 0 || stepPerSeqMs < 0 || prefillMsPerKToken < 0) {
        throw new IllegalArgumentException("step times must not be negative");
      }
    }

    public Spec withSpeed(double newSpeed) {
      return new Spec(
          maxNumSeqs, stepBaseMs, stepPerSeqMs, prefillMsPerKToken, kvCapacityTokens, newSpeed);
    }
  }

  /** A completion request: prompt length and how many tokens to generate. */
  public record Request(long id, int promptTokens, int maxTokens) {
    public Request {
      if (promptTokens < 1 || maxTokens < 1) {
        throw new IllegalArgumentException("promptTokens and maxTokens must be at least 1");
      }
    }
  }

  /** What one step did. */
  public record Step(
      long durationNanos, List<Long> firstTokens, List<Long> tokens, List<Long> finished) {}

  private static final class Live {
    final Request request;
    int generated;

    Live(Request request) {
      this.request = request;
    }

    int reserved() {
      return request.promptTokens() + request.maxTokens();
    }
  }

  private final Spec spec;
  private final ArrayDeque<Live> waiting = new ArrayDeque<>();
  private final List<Live> running = new ArrayList<>();
  private long reservedTokens;
  private long usedTokens;

  public EngineModel(Spec spec) {
    this.spec = spec;
  }

  public Spec spec() {
    return spec;
  }

  /** Queues a request; one that could never fit the KV cache is rejected. */
  public void submit(Request r) {
    if (r.promptTokens() + (long) r.maxTokens() > spec.kvCapacityTokens()) {
      throw new IllegalArgumentException(
          "request needs "
              + (r.promptTokens() + r.maxTokens())
              + " tokens of KV cache, capacity is "
              + spec.kvCapacityTokens());
    }
    waiting.add(new Live(r));
  }

  public boolean idle() {
    return waiting.isEmpty() && running.isEmpty();
  }

  public int running() {
    return running.size();
  }

  public int waiting() {
    return waiting.size();
  }

  /** KV-cache usage 0..1: prompt and generated tokens of the running batch over the capacity. */
  public double kvUsage() {
    return (double) usedTokens / spec.kvCapacityTokens();
  }

  /** Runs one engine step. Call only when not {@link #idle()}. */
  public Step step() {
    List<Long> first = new ArrayList<>();
    List<Long> tokens = new ArrayList<>();
    List<Long> finished = new ArrayList<>();
    long admittedPrompt = 0;
    while (!waiting.isEmpty()
        && running.size() < spec.maxNumSeqs()
        && reservedTokens + waiting.peek().reserved() <= spec.kvCapacityTokens()) {
      Live l = waiting.poll();
      running.add(l);
      reservedTokens += l.reserved();
      usedTokens += l.request.promptTokens();
      admittedPrompt += l.request.promptTokens();
    }
    double ms =
        (spec.stepBaseMs()
                + spec.stepPerSeqMs() * running.size()
                + spec.prefillMsPerKToken() * admittedPrompt / 1000.0)
            / spec.speed();
    for (Iterator<Live> it = running.iterator(); it.hasNext(); ) {
      Live l = it.next();
      l.generated++;
      usedTokens++;
      tokens.add(l.request.id());
      if (l.generated == 1) {
        first.add(l.request.id());
      }
      if (l.generated >= l.request.maxTokens()) {
        it.remove();
        reservedTokens -= l.reserved();
        usedTokens -= l.request.promptTokens() + l.generated;
        finished.add(l.request.id());
      }
    }
    return new Step(Math.round(ms * 1_000_000), first, tokens, finished);
  }
}
