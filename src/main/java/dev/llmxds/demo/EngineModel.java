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
 * <p><b>Prefix caching</b> (off unless built with {@link #EngineModel(Spec, boolean)}; vLLM turns
 * it on by default). Modelled on {@code vllm/v1/core/kv_cache_manager.py} ({@code
 * get_computed_blocks}, {@code allocate_slots}, {@code free}) and {@code
 * vllm/v1/core/block_pool.py} ({@code cache_full_blocks}, {@code get_new_blocks}, {@code touch},
 * {@code free_blocks}, {@code get_usage}): a block that is full gets a hash of its tokens chained
 * to its parent's and is registered in a hash → block map as it is scheduled; a block whose last
 * holder frees it goes to the tail of the free queue (a request's blocks tail first, so tail blocks
 * are evicted first) but keeps its hash; new blocks are taken from the head of the free queue and
 * lose their hash then (LRU eviction). A waiting request first looks up the longest run of its
 * leading full blocks in the map, up to {@code tokens - 1} (the last token is always recomputed),
 * takes those blocks (out of the free queue if nobody held them) and starts with them computed, so
 * its prefill skips them; the full-sequence admission check counts the blocks it must still
 * allocate plus the cached ones it takes out of the free queue. Cached free blocks count as free in
 * {@link #kvUsage()}, as in vLLM. Token contents are not modelled: a request's {@link Prefix} says
 * which of its blocks are a shared prompt (e.g. a system prompt) and which belong to its own token
 * stream (a conversation, whose earlier turns and answers are the prefix of the next turn). Not
 * modelled: several blocks with the same hash (vLLM keeps both; here the second is not registered),
 * hit statistics of preempted requests (not counted).
 *
 * <p>Left out: EOS stops, speculative decoding, priority scheduling, async scheduling, the
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

  /**
   * A completion request: prompt length and how many tokens to generate, and (for prefix caching)
   * what its tokens are.
   *
   * @param prefix the identity of its tokens, or null: nothing of it is cached or hit
   */
  public record Request(long id, int promptTokens, int maxTokens, Prefix prefix) {
    public Request {
      if (promptTokens < 1 || maxTokens < 1) {
        throw new IllegalArgumentException("promptTokens and maxTokens must be at least 1");
      }
    }

    public Request(long id, int promptTokens, int maxTokens) {
      this(id, promptTokens, maxTokens, null);
    }
  }

  /**
   * What a request's tokens are, block by block: its first {@code sharedTokens} tokens are the
   * shared prompt {@code shared} (the same tokens in every request that names it), the rest are the
   * token stream {@code stream} (a conversation: every turn's prompt is the previous turn's prompt
   * and answer plus a new message).
   */
  public record Prefix(long shared, int sharedTokens, long stream) {
    /** The hash of full block {@code index} (its tokens and, through the identity, its parents). */
    long blockHash(int index, int blockSize) {
      long key =
          (long) (index + 1) * blockSize <= sharedTokens
              ? shared * 0x9E3779B97F4A7C15L
              : ~stream * 0xC2B2AE3D27D4EB4FL;
      long h = key ^ (index * 0xFF51AFD7ED558CCDL);
      h ^= h >>> 33;
      h *= 0xC4CEB9FE1A85EC53L;
      return h ^ (h >>> 29);
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
    int[] blockIds; // with prefix caching: the blocks it holds, in order
    int hashedBlocks; // with prefix caching: how many of them are full and registered
    boolean admitted; // it was admitted once (later admissions are after a preemption)

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

  // prefix caching only (see the class comment): per block its holders and hash, the free queue
  // as a doubly linked list (head = next to evict), and the hash → block map
  private final boolean prefixCaching;
  private int[] refCount;
  private long[] blockHash;
  private boolean[] hashed;
  private int[] prevFree;
  private int[] nextFree;
  private java.util.HashMap<Long, Integer> cachedBlocks;
  private long prefixQueriedTokens;
  private long prefixHitTokens;

  public EngineModel(Spec spec) {
    this(spec, false);
  }

  /** An engine with vLLM's automatic prefix caching on or off. */
  public EngineModel(Spec spec, boolean prefixCaching) {
    this.spec = spec;
    this.freeBlocks = spec.kvCacheBlocks();
    this.prefixCaching = prefixCaching;
    if (prefixCaching) {
      int n = spec.kvCacheBlocks();
      refCount = new int[n];
      blockHash = new long[n];
      hashed = new boolean[n];
      prevFree = new int[n + 1]; // index n is the list's sentinel
      nextFree = new int[n + 1];
      for (int i = 0; i <= n; i++) {
        prevFree[i] = i == 0 ? n : i - 1;
        nextFree[i] = i == n ? 0 : i + 1;
      }
      cachedBlocks = new java.util.HashMap<>();
    }
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

  /** Prompt tokens looked up in the prefix cache (first admissions only). */
  public long prefixQueriedTokens() {
    return prefixQueriedTokens;
  }

  /** Prompt tokens found in the prefix cache (first admissions only). */
  public long prefixHitTokens() {
    return prefixHitTokens;
  }

  /** How many of {@code r}'s prompt tokens the prefix cache holds now (0 without caching). */
  public int cachedTokens(Request r) {
    if (!prefixCaching || r.prefix() == null) {
      return 0;
    }
    int blocks = 0;
    int max = (r.promptTokens() - 1) / spec.blockSize();
    while (blocks < max
        && cachedBlocks.containsKey(r.prefix().blockHash(blocks, spec.blockSize()))) {
      blocks++;
    }
    return blocks * spec.blockSize();
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
      if (prefixCaching) {
        for (int i = 0; i < needed; i++) {
          int b = nextFree[spec.kvCacheBlocks()]; // the head of the free queue
          unlinkFree(b);
          if (hashed[b]) { // evicted from the cache
            cachedBlocks.remove(blockHash[b]);
            hashed[b] = false;
          }
          refCount[b] = 1;
          hold(l, b);
        }
      } else {
        l.blocks += needed;
      }
      freeBlocks -= needed;
    }
    if (prefixCaching) {
      cacheFullBlocks(l, tokens);
    }
    return true;
  }

  private void release(Live l) {
    if (prefixCaching) {
      for (int i = l.blocks - 1; i >= 0; i--) { // tail first: evicted first
        int b = l.blockIds[i];
        if (--refCount[b] == 0) {
          linkFreeTail(b);
          freeBlocks++;
        }
      }
      l.blocks = 0;
      l.hashedBlocks = 0;
      return;
    }
    freeBlocks += l.blocks;
    l.blocks = 0;
  }

  /** Appends {@code block} to the blocks {@code l} holds. */
  private void hold(Live l, int block) {
    if (l.blockIds == null) {
      l.blockIds =
          new int[Math.max(4, blocksFor(l.request.promptTokens() + l.request.maxTokens()))];
    } else if (l.blocks == l.blockIds.length) {
      l.blockIds = java.util.Arrays.copyOf(l.blockIds, l.blockIds.length * 2);
    }
    l.blockIds[l.blocks++] = block;
  }

  /**
   * Registers {@code l}'s full blocks among its first {@code tokens} tokens (vLLM caches them as
   * they are scheduled).
   */
  private void cacheFullBlocks(Live l, int tokens) {
    if (l.request.prefix() == null) {
      return;
    }
    int full = Math.min(tokens, l.tokens()) / spec.blockSize();
    for (int i = l.hashedBlocks; i < full && i < l.blocks; i++) {
      int b = l.blockIds[i];
      long h = l.request.prefix().blockHash(i, spec.blockSize());
      if (!hashed[b] && !cachedBlocks.containsKey(h)) {
        cachedBlocks.put(h, b);
        blockHash[b] = h;
        hashed[b] = true;
      }
      l.hashedBlocks = i + 1;
    }
  }

  private void unlinkFree(int b) {
    nextFree[prevFree[b]] = nextFree[b];
    prevFree[nextFree[b]] = prevFree[b];
  }

  private void linkFreeTail(int b) {
    int sentinel = spec.kvCacheBlocks();
    int tail = prevFree[sentinel];
    nextFree[tail] = b;
    prevFree[b] = tail;
    nextFree[b] = sentinel;
    prevFree[sentinel] = b;
  }

  /** The cached blocks of {@code l}'s longest prefix hit, up to {@code tokens - 1} tokens. */
  private int[] lookup(Live l) {
    if (l.request.prefix() == null) {
      return new int[0];
    }
    int max = (l.tokens() - 1) / spec.blockSize();
    int[] hit = new int[max];
    int n = 0;
    while (n < max) {
      Integer b = cachedBlocks.get(l.request.prefix().blockHash(n, spec.blockSize()));
      if (b == null) {
        break;
      }
      hit[n++] = b;
    }
    return java.util.Arrays.copyOf(hit, n);
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
        if (prefixCaching && !admitFromCache(l)) {
          break;
        }
        int n = Math.min(l.tokens() - l.computed, budget);
        // admitted only if all its tokens would fit now, though only the chunk is allocated
        if (blocksFor(l.tokens()) - l.blocks > freeBlocks || !allocate(l, l.computed + n)) {
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

  /**
   * Takes {@code l}'s prefix hit (a waiting request holds no blocks) if the full-sequence check
   * passes with it: the blocks still to allocate plus the hit blocks nobody holds must be free.
   */
  private boolean admitFromCache(Live l) {
    int[] hit = lookup(l);
    int evictable = 0;
    for (int b : hit) {
      if (refCount[b] == 0) {
        evictable++;
      }
    }
    if (blocksFor(l.tokens()) - hit.length + evictable > freeBlocks) {
      return false;
    }
    if (!l.admitted) {
      l.admitted = true;
      prefixQueriedTokens += l.request.promptTokens();
      prefixHitTokens += (long) hit.length * spec.blockSize();
    }
    for (int b : hit) {
      if (refCount[b]++ == 0) {
        unlinkFree(b);
        freeBlocks--;
      }
      hold(l, b);
    }
    l.hashedBlocks = hit.length;
    l.computed = hit.length * spec.blockSize();
    return true;
  }

  private void preempt(Live l) {
    release(l);
    l.computed = 0;
    preemptionsTotal++;
    waiting.addFirst(l);
  }
}
