package dev.llmxds.demo;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A GPU inference engine as vLLM V1's scheduler runs it, as a pure step function: deterministic, no
 * clocks, no threads. Each {@link #step()} is one engine iteration: schedule, run the model, take
 * the sampled tokens. Our own model of the behaviour, checked against vLLM's sources (paths below
 * are in {@code github.com/vllm-project/vllm}); no vLLM code is copied.
 *
 * <p><b>Scheduling</b> ({@code vllm/v1/core/sched/scheduler.py}, {@code Scheduler.schedule}). There
 * are no prefill and decode phases: each request has tokens computed so far and tokens it has
 * (prompt + generated), and a step gives each request tokens to catch up, within a budget of {@code
 * maxNumBatchedTokens} tokens per step. Running requests come first, in order: a decoding one takes
 * 1 token, one still in prefill takes the rest of its prompt, cut to the budget left (chunked
 * prefill). Then, only if nobody was preempted in this step, waiting requests are admitted in FIFO
 * order while the budget lasts, fewer than {@code maxNumSeqs} are running and blocks for all their
 * tokens are free ({@code vllm/config/scheduler.py}: {@code scheduler_reserve_full_isl}, on by
 * default, checks the whole prompt, not only the first chunk, though only the chunk is allocated;
 * nothing is set aside for the output); the first that does not fit stops admission (no skipping
 * ahead). A prompt longer than the budget left gets a partial chunk and continues in later steps as
 * a running request. A request produces a token in the step whose scheduled tokens reach all its
 * tokens ({@code Scheduler.update_from_output}: no output for a partial prefill), so its first
 * token comes in the step that finishes its prefill. It finishes when it has {@code maxTokens}
 * tokens (every request here runs to its length limit).
 *
 * <p><b>KV cache</b> ({@code vllm/v1/core/kv_cache_manager.py}, {@code
 * KVCacheManager.allocate_slots}; {@code vllm/v1/core/block_pool.py}). Memory is {@code
 * kvCacheBlocks} blocks of {@code blockSize} tokens ({@code vllm/config/cache.py}: 16 by default),
 * allocated on demand: when scheduled, a request holds enough blocks for its computed tokens plus
 * the ones scheduled now, and grows a block at a time as it decodes. Nothing is reserved for future
 * tokens.
 *
 * <p><b>Preemption</b> ({@code Scheduler.schedule} and {@code Scheduler._preempt_request}). When a
 * running request cannot get its new blocks, the scheduler (FCFS policy) preempts the last request
 * of the running list, repeatedly, until the allocation fits or the request itself was the one
 * preempted; in that last case it schedules no more running requests in this step. A preempted
 * request is recomputed, not swapped: its blocks are freed, its computed tokens reset to 0, and it
 * goes back to the front of the waiting queue, where it later prefills its prompt and the tokens it
 * had already generated again.
 *
 * <p><b>Metrics</b> ({@code vllm/v1/metrics/loggers.py}, {@code vllm/v1/metrics/stats.py}). {@link
 * #running()} is the length of the running list and {@link #waiting()} of the waiting queue
 * (preempted requests are waiting), as {@code vllm:num_requests_running|waiting}; {@link
 * #kvUsage()} is used blocks over all blocks, as {@code vllm:kv_cache_usage_perc}. {@link
 * #generationTokensTotal()} counts every token produced ({@code vllm:generation_tokens_total});
 * {@link #promptTokensTotal()} adds a request's prompt length once, when its first token comes
 * ({@code vllm:prompt_tokens_total}: recomputation after a preemption is not counted again); {@link
 * #preemptionsTotal()} counts preemptions ({@code vllm:num_preemptions_total}).
 *
 * <p><b>Step time</b>: {@code (stepBaseMs + stepPerTokenMs × tokens scheduled +
 * stepPerContextTokenMs × Σ context of the scheduled requests) / speed}, where a scheduled
 * request's context is its computed tokens plus the ones scheduled now (the KV attention reads).
 * The three terms are reading the weights once per step, the matrix work per token, and reading the
 * KV cache. A faster GPU (speed 2) runs the same step in half the time; its KV cache and batch
 * limits stay the same.
 *
 * <p><b>Calibration</b> of {@link Spec#DEFAULT}, the reference GPU: an 8B model (Llama-3.1-8B
 * shape: 32 layers, 8 KV heads of 128, BF16) on one H100-class GPU (~3.35 TB/s HBM, ~990 TFLOP/s
 * dense BF16).
 *
 * <ul>
 *   <li>{@code stepBaseMs} 5: 16 GB of weights read once per step at ~3.35 TB/s is ~4.8 ms.
 *   <li>{@code stepPerTokenMs} 0.04: 2 × 8·10⁹ FLOP per token at ~400 TFLOP/s achieved (~40 % of
 *       peak), ~25k tokens/s of prefill at full chunks.
 *   <li>{@code stepPerContextTokenMs} 0.00004: one token's KV is 32 × 2 × 8 × 128 × 2 B = 128 KiB,
 *       read at ~3.35 TB/s in ~0.039 µs.
 *   <li>{@code kvCacheBlocks} 10,000 (160k tokens, ~20 GiB of KV): a deliberately tight pool, so
 *       long prompts make the KV cache, not only the batch limit, bind and preempt. A whole 80 GB
 *       card at vLLM's default memory utilisation would hold about 2.5× more for this model.
 *   <li>{@code maxNumBatchedTokens} 8192: vLLM's default for the OpenAI server on a GPU with ≥ 70
 *       GiB that is not an A100 ({@code vllm/engine/arg_utils.py}; 2048 on smaller GPUs and A100s,
 *       16384 for the offline {@code LLM} class).
 *   <li>{@code maxNumSeqs} 256: vLLM's default on GPUs below 70 GiB or A100s (same file); vLLM
 *       raises it to 1024 on H100-class GPUs, which this model does not follow, to keep batches and
 *       the simulator's cost moderate.
 * </ul>
 *
 * <p>Left out: prefix caching (on by default in vLLM: a recomputed or repeated prompt may hit
 * cached blocks), EOS stops, speculative decoding, priority scheduling, async scheduling, the
 * admission watermark and the long prefill threshold (both 0, off, by default) and {@code
 * max_model_len}.
 */
public final class EngineModel {
  /**
   * The engine's limits and speed.
   *
   * @param maxNumSeqs most requests in the running list ({@code --max-num-seqs})
   * @param maxNumBatchedTokens token budget of one step ({@code --max-num-batched-tokens})
   * @param blockSize tokens per KV-cache block ({@code --block-size})
   * @param kvCacheBlocks KV-cache blocks on the GPU
   * @param stepBaseMs fixed cost of a step at speed 1 (weights read)
   * @param stepPerTokenMs cost of each scheduled token at speed 1
   * @param stepPerContextTokenMs cost of each context token read by attention at speed 1
   * @param speed GPU speed: step times are divided by it (1 = reference GPU)
   */
  public record Spec(
      int maxNumSeqs,
      int maxNumBatchedTokens,
      int blockSize,
      int kvCacheBlocks,
      double stepBaseMs,
      double stepPerTokenMs,
      double stepPerContextTokenMs,
      double speed) {
    /** The reference GPU; see the class comment for where each number comes from. */
    public static final Spec DEFAULT = new Spec(256, 8192, 16, 10_000, 5.0, 0.04, 0.00004, 1.0);

    public Spec {
      if (maxNumSeqs < 1 || maxNumBatchedTokens < 1 || blockSize < 1 || kvCacheBlocks < 1) {
        throw new IllegalArgumentException(
            "maxNumSeqs, maxNumBatchedTokens, blockSize and kvCacheBlocks must be positive");
      }
      if (!(speed > 0)) {
        throw new IllegalArgumentException("speed must be positive");
      }
      if (stepBaseMs < 0 || stepPerTokenMs < 0 || stepPerContextTokenMs < 0) {
        throw new IllegalArgumentException("step times must not be negative");
      }
    }

    /** KV-cache capacity in tokens. */
    public long kvCacheTokens() {
      return (long) kvCacheBlocks * blockSize;
    }

    public Spec withSpeed(double newSpeed) {
      return new Spec(
          maxNumSeqs,
          maxNumBatchedTokens,
          blockSize,
          kvCacheBlocks,
          stepBaseMs,
          stepPerTokenMs,
          stepPerContextTokenMs,
          newSpeed);
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

  /**
   * What one step did.
   *
   * @param durationNanos how long the GPU took
   * @param firstTokens requests that got their first token
   * @param tokens requests that got a token (first ones included)
   * @param finished requests that got their last token
   * @param preempted requests preempted in this step (back at the front of the waiting queue)
   * @param scheduledTokens tokens computed in this step (prefill chunks and decodes)
   */
  public record Step(
      long durationNanos,
      List<Long> firstTokens,
      List<Long> tokens,
      List<Long> finished,
      List<Long> preempted,
      int scheduledTokens) {}

  private static final class Live {
    final Request request;
    int generated;
    int computed; // tokens whose KV is in the cache
    int blocks;
    int scheduled; // tokens scheduled in the current step

    Live(Request request) {
      this.request = request;
    }

    /** Prompt and generated tokens: what the cache must hold before the next token. */
    int tokens() {
      return request.promptTokens() + generated;
    }
  }

  private Spec spec;
  private final ArrayDeque<Live> waiting = new ArrayDeque<>();
  private final ArrayList<Live> running = new ArrayList<>();
  private final ArrayList<Live> scheduled = new ArrayList<>();
  private int freeBlocks;
  private long promptTokensTotal;
  private long generationTokensTotal;
  private long preemptionsTotal;

  public EngineModel(Spec spec) {
    this.spec = spec;
    this.freeBlocks = spec.kvCacheBlocks();
  }

  public Spec spec() {
    return spec;
  }

  /** The GPU slows down or speeds up (thermal throttling, a noisy neighbour): later steps only. */
  public void setSpeed(double speed) {
    spec = spec.withSpeed(speed);
  }

  /**
   * Queues a request; one whose prompt and output could never fit the KV cache is rejected (vLLM
   * rejects what exceeds {@code max_model_len}, which must itself fit the cache).
   */
  public void submit(Request r) {
    if (r.promptTokens() + (long) r.maxTokens() > spec.kvCacheTokens()) {
      throw new IllegalArgumentException(
          "request needs "
              + (r.promptTokens() + (long) r.maxTokens())
              + " tokens of KV cache, capacity is "
              + spec.kvCacheTokens());
    }
    waiting.add(new Live(r));
  }

  public boolean idle() {
    return waiting.isEmpty() && running.isEmpty();
  }

  /** Requests in the running list, as {@code vllm:num_requests_running}. */
  public int running() {
    return running.size();
  }

  /**
   * Requests in the waiting queue, preempted ones included, as {@code vllm:num_requests_waiting}.
   */
  public int waiting() {
    return waiting.size();
  }

  /** Running request ids, in scheduling order. */
  public List<Long> runningIds() {
    return running.stream().map(l -> l.request.id()).toList();
  }

  /** Waiting request ids, front first. */
  public List<Long> waitingIds() {
    return waiting.stream().map(l -> l.request.id()).toList();
  }

  /** KV-cache usage 0..1: blocks held by requests over all blocks. */
  public double kvUsage() {
    return (double) (spec.kvCacheBlocks() - freeBlocks) / spec.kvCacheBlocks();
  }

  /** Prompt tokens of requests that got their first token, as {@code vllm:prompt_tokens_total}. */
  public long promptTokensTotal() {
    return promptTokensTotal;
  }

  /** Tokens generated, as {@code vllm:generation_tokens_total}. */
  public long generationTokensTotal() {
    return generationTokensTotal;
  }

  /** Preemptions, as {@code vllm:num_preemptions_total}. */
  public long preemptionsTotal() {
    return preemptionsTotal;
  }

  private int blocksFor(int tokens) {
    return (tokens + spec.blockSize() - 1) / spec.blockSize();
  }

  /** Gives {@code l} blocks for {@code tokens} tokens if they are free. */
  private boolean allocate(Live l, int tokens) {
    int needed = blocksFor(tokens) - l.blocks;
    if (needed > freeBlocks) {
      return false;
    }
    if (needed > 0) {
      l.blocks += needed;
      freeBlocks -= needed;
    }
    return true;
  }

  private void release(Live l) {
    freeBlocks += l.blocks;
    l.blocks = 0;
  }

  /** Runs one engine step. Call only when not {@link #idle()}. */
  public Step step() {
    List<Long> preempted = new ArrayList<>(0);
    int budget = spec.maxNumBatchedTokens();
    long context = 0;
    scheduled.clear();

    // Running requests first, in order; preempt from the back when blocks run out.
    for (int i = 0; i < running.size() && budget > 0; ) {
      Live l = running.get(i);
      int n = Math.min(l.tokens() - l.computed, budget);
      boolean fits = true;
      while (!allocate(l, l.computed + n)) {
        Live victim = running.remove(running.size() - 1);
        preempt(victim);
        preempted.add(victim.request.id());
        if (victim == l) {
          fits = false;
          break;
        }
      }
      if (!fits) {
        break;
      }
      l.scheduled = n;
      scheduled.add(l);
      budget -= n;
      context += l.computed + n;
      i++;
    }

    // Then waiting requests, FIFO, unless this step preempted.
    if (preempted.isEmpty()) {
      while (!waiting.isEmpty() && budget > 0 && running.size() < spec.maxNumSeqs()) {
        Live l = waiting.peek();
        int n = Math.min(l.tokens() - l.computed, budget);
        // admitted only if all its tokens would fit now, though only the chunk is allocated
        if (blocksFor(l.tokens()) > freeBlocks || !allocate(l, l.computed + n)) {
          break;
        }
        waiting.poll();
        running.add(l);
        l.scheduled = n;
        scheduled.add(l);
        budget -= n;
        context += l.computed + n;
      }
    }

    int tokensScheduled = spec.maxNumBatchedTokens() - budget;
    double ms =
        (spec.stepBaseMs()
                + spec.stepPerTokenMs() * tokensScheduled
                + spec.stepPerContextTokenMs() * context)
            / spec.speed();

    List<Long> first = new ArrayList<>();
    List<Long> tokens = new ArrayList<>(scheduled.size());
    List<Long> finished = new ArrayList<>();
    boolean anyFinished = false;
    for (Live l : scheduled) {
      l.computed += l.scheduled;
      if (l.computed < l.tokens()) {
        continue; // a partial prefill: no token yet
      }
      l.generated++;
      generationTokensTotal++;
      Long id = l.request.id();
      tokens.add(id);
      if (l.generated == 1) {
        first.add(id);
        promptTokensTotal += l.request.promptTokens();
      }
      if (l.generated >= l.request.maxTokens()) {
        release(l);
        l.computed = -1; // marks it for removal below
        finished.add(id);
        anyFinished = true;
      }
    }
    if (anyFinished) {
      running.removeIf(l -> l.computed < 0);
    }
    return new Step(
        Math.round(ms * 1_000_000), first, tokens, finished, preempted, tokensScheduled);
  }

  private void preempt(Live l) {
    release(l);
    l.computed = 0;
    preemptionsTotal++;
    waiting.addFirst(l);
  }
}
