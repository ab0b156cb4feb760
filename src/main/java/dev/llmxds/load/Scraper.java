package dev.llmxds.load;

import dev.llmxds.config.LoadConfig;
import dev.llmxds.fleet.Endpoint;
import dev.llmxds.fleet.EngineKind;
import dev.llmxds.fleet.EngineLoad;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.fleet.InferenceService;
import dev.llmxds.load.engine.EngineProfile;
import dev.llmxds.load.engine.EngineProfiles;
import dev.llmxds.load.prom.Exposition;
import dev.llmxds.load.prom.FilteredParser;
import dev.llmxds.util.DaemonThreads;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpTimeoutException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scrapes every endpoint's engine metrics on its own jittered 1 s cycle, asynchronously (no thread
 * per endpoint, HTTP keep-alive), with a deadline for the whole exchange (connect, headers and
 * body: an engine dripping its answer is abandoned and its connection closed), a cap on concurrent
 * requests — of which engines whose last scrape hit the deadline may hold at most half — and on
 * body size. The URL is always {@code http://<endpoint address>:<metrics port><metrics path>}: a
 * registration chooses only the port and the path. Results go to a {@link Listener}; the scraper
 * itself has no policy.
 *
 * <p>One scrape per engine, however many services name it: endpoints of any services that share a
 * metrics URL (and declared engine) are one target, scraped once per period, and each service gets
 * the engine's load read for its own model names (the whole engine's when the engine reports one
 * model, as vLLM does for every LoRA adapter and served name).
 *
 * <p>The transport is a {@link ScrapeClient} ({@link NettyScrapeClient}: keep-alive connections,
 * pooled buffers, one I/O thread); the body bytes go straight to a {@link FilteredParser} for the
 * names the engine profiles read, which skips every other line without decoding it.
 */
public final class Scraper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Scraper.class);
  private static final String TIMED_OUT = ScrapeClient.TIMED_OUT;

  /** Parses a body for the names the engine profiles read. */
  private static final FilteredParser PARSER = new FilteredParser(EngineProfiles.METRIC_NAMES);

  /** Receives scrape outcomes, on HTTP client threads. */
  public interface Listener {
    void onLoad(String service, String endpointId, EngineLoad load, EngineKind engine, long nanos);

    void onFailure(String service, String endpointId, String error);

    /** How long one scrape took, success or not. */
    default void onDuration(long nanos) {}
  }

  /** One engine's metrics: its URL and the engine the registrations declare there. */
  private record Key(URI uri, EngineKind declared) {}

  /** A service's endpoint served by a target's engine: gets the load read for its models. */
  private record Reader(String service, String endpointId, List<String> models) {}

  private final class Target {
    final Key key;
    final URI uri;
    final AtomicBoolean inFlight = new AtomicBoolean();
    volatile List<Reader> readers;
    volatile boolean slow;
    volatile EngineProfile profile;
    volatile ScheduledFuture<?> next;
    volatile boolean stopped;

    Target(Key key, List<Reader> readers) {
      this.key = key;
      this.uri = key.uri();
      this.readers = readers;
      this.profile = key.declared() == EngineKind.AUTO ? null : EngineProfiles.of(key.declared());
    }
  }

  private final LoadConfig config;
  private final Listener listener;
  private final LongSupplier nanoTime;
  private final ScrapeClient http;
  private final ScrapeClient.BodyReader<Exposition> reader;
  private final ScheduledExecutorService scheduler;
  private final boolean ownScheduler;

  /**
   * Scrape starts are aligned to this: a fiftieth of the interval, at most 10 ms, and short enough
   * that the scrapes due in one tick stay well under the concurrency cap (a quarter of it on
   * average), so the alignment never turns into skipped scrapes.
   */
  private volatile long tickNanos = 1;

  private final Semaphore permits;
  private final Semaphore slowPermits;
  private final Map<Key, Target> targets = new HashMap<>();
  private final AtomicLong scrapes = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong skipped = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();

  public Scraper(LoadConfig config, Listener listener, LongSupplier nanoTime) {
    this(config, listener, nanoTime, new NettyScrapeClient(), PARSER::parse);
  }

  /**
   * With another transport or body parser (the scrape benchmark compares them); the scraper closes
   * {@code client}.
   */
  public Scraper(
      LoadConfig config,
      Listener listener,
      LongSupplier nanoTime,
      ScrapeClient client,
      ScrapeClient.BodyReader<Exposition> parser) {
    this.config = config;
    this.listener = listener;
    this.nanoTime = nanoTime;
    this.permits = new Semaphore(config.maxConcurrency());
    this.slowPermits = new Semaphore(Math.max(1, config.maxConcurrency() / 2));
    this.http = client;
    this.reader =
        (body, from, to) -> {
          bytes.addAndGet(to - from);
          return parser.read(body, from, to);
        };
    // with the Netty client the schedule runs on its I/O thread: no thread hop per scrape
    ScheduledExecutorService shared = client.scheduler();
    this.ownScheduler = shared == null;
    this.scheduler = shared != null ? shared : DaemonThreads.scheduler("scraper");
  }

  /** The metrics URL of {@code e}: its own address, its metrics port and path. */
  public static URI metricsUri(Endpoint e) {
    try {
      return new URI(
          "http", null, e.address(), e.metricsPort(), e.engine().metricsPath(), null, null);
    } catch (URISyntaxException x) {
      throw new IllegalArgumentException("no metrics URL for " + e.id() + ": " + x.getMessage());
    }
  }

  /** Follows the fleet: new endpoints start being scraped, gone ones stop. */
  public synchronized void update(Fleet fleet) {
    Map<Key, List<Reader>> readers = new LinkedHashMap<>();
    for (InferenceService s : fleet.services().values()) {
      for (Endpoint e : s.endpoints()) {
        URI uri;
        try {
          uri = metricsUri(e);
        } catch (IllegalArgumentException x) {
          listener.onFailure(s.name(), e.id(), x.getMessage());
          continue;
        }
        readers
            .computeIfAbsent(new Key(uri, e.engine().kind()), k -> new ArrayList<>())
            .add(new Reader(s.name(), e.id(), s.models()));
      }
    }
    Map<Key, Target> wanted = new HashMap<>();
    for (Map.Entry<Key, List<Reader>> r : readers.entrySet()) {
      Target t = targets.get(r.getKey());
      if (t != null) {
        t.readers = List.copyOf(r.getValue()); // the next scrape reports to the new set
      } else {
        t = new Target(r.getKey(), List.copyOf(r.getValue()));
        schedule(t, ThreadLocalRandom.current().nextLong(config.interval().toNanos()));
      }
      wanted.put(r.getKey(), t);
    }
    for (Map.Entry<Key, Target> old : targets.entrySet()) {
      if (wanted.get(old.getKey()) != old.getValue()) {
        stop(old.getValue());
      }
    }
    targets.clear();
    targets.putAll(wanted);
    long interval = config.interval().toNanos();
    long tick = Math.min(TimeUnit.MILLISECONDS.toNanos(10), interval / 50);
    long perTickUnderCap =
        (long) ((double) interval * config.maxConcurrency() / (4.0 * Math.max(1, targets.size())));
    tickNanos = Math.max(1, Math.min(tick, perTickUnderCap));
  }

  private void stop(Target t) {
    t.stopped = true;
    ScheduledFuture<?> f = t.next;
    if (f != null) {
      f.cancel(false);
    }
  }

  private void schedule(Target t, long delayNanos) {
    if (t.stopped || scheduler.isShutdown()) {
      return;
    }
    try {
      t.next = scheduler.schedule(() -> scrape(t), delayNanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      t.stopped = true;
    }
  }

  /**
   * Interval ± 10 %, so scrapes of many endpoints never line up, rounded up to the next tick of
   * {@link #tickNanos}: the scrapes due within one tick start together, in one wake-up of the I/O
   * thread, and their answers tend to arrive together too. The tick is taken out of the jitter
   * first, so the period stays within interval ± 10 %.
   */
  private long nextDelay() {
    return nextDelay(
        config.interval().toNanos(),
        tickNanos,
        ThreadLocalRandom.current().nextDouble(),
        System.nanoTime());
  }

  /**
   * The delay for a uniform {@code random} in [0, 1), aligned to {@code tick} after {@code now}.
   */
  static long nextDelay(long interval, long tick, double random, long now) {
    double jitter = Math.max(0, 0.2 * interval - tick);
    long delay = interval - interval / 10 + (long) (random * jitter);
    long due = now + delay;
    return delay + (tick - Math.floorMod(due, tick)) % tick;
  }

  private void scrape(Target t) {
    schedule(t, nextDelay());
    if (t.stopped || !t.inFlight.compareAndSet(false, true)) {
      skipped.incrementAndGet(); // the previous scrape of this endpoint is still running
      return;
    }
    // an engine whose last scrape ran into the deadline may hold at most half the slots, so slow
    // or dripping engines cannot starve the healthy ones
    boolean slow = t.slow;
    if (slow && !slowPermits.tryAcquire()) {
      t.inFlight.set(false);
      skipped.incrementAndGet();
      return;
    }
    if (!permits.tryAcquire()) {
      if (slow) {
        slowPermits.release();
      }
      t.inFlight.set(false);
      skipped.incrementAndGet();
      return;
    }
    long started = nanoTime.getAsLong();
    // the deadline covers connect, headers and body; completions run on the client's I/O thread
    http.get(t.uri, config.timeout(), config.maxResponseBytes(), reader)
        .whenComplete(
            (response, error) -> {
              try {
                t.slow = error != null && TIMED_OUT.equals(unwrap(error).getMessage());
                listener.onDuration(nanoTime.getAsLong() - started);
                handle(t, response, error);
              } finally {
                permits.release();
                if (slow) {
                  slowPermits.release();
                }
                t.inFlight.set(false);
              }
            });
  }

  private static Throwable unwrap(Throwable error) {
    return error instanceof CompletionException && error.getCause() != null
        ? error.getCause()
        : error;
  }

  private void handle(Target t, Exposition exposition, Throwable error) {
    scrapes.incrementAndGet();
    if (t.stopped) {
      return;
    }
    String problem = null;
    try {
      if (error != null) {
        problem = describe(error);
      } else {
        read(t, exposition);
      }
    } catch (RuntimeException e) {
      problem = e.getMessage() == null ? e.toString() : e.getMessage();
    }
    if (problem != null) {
      failed(t);
      for (Reader r : t.readers) {
        listener.onFailure(r.service(), r.endpointId(), problem);
      }
    }
  }

  private void failed(Target t) {
    failures.incrementAndGet();
    if (t.key.declared() == EngineKind.AUTO) {
      t.profile = null; // detect again once it answers
    }
  }

  private void read(Target t, Exposition e) {
    EngineProfile profile = t.profile;
    if (profile == null) {
      profile = EngineProfiles.detect(e);
      if (profile == null) {
        throw new IllegalArgumentException(
            t.uri + " exposes no known engine metrics (" + EngineProfiles.names() + ")");
      }
      t.profile = profile;
    }
    if (!e.errors().isEmpty() && log.isDebugEnabled()) {
      log.debug("{}: {} unparseable lines, first: {}", t.uri, e.errors().size(), e.errors().get(0));
    }
    EngineProfile reading = EngineProfiles.forBody(profile, e);
    // read once per distinct model list: services naming the engine by the same models share it
    Map<List<String>, Reading> byModels = new HashMap<>();
    boolean anyFailed = false;
    for (Reader r : t.readers) {
      Reading outcome =
          byModels.computeIfAbsent(r.models(), models -> Reading.of(reading, e, models));
      if (outcome.load() != null) {
        listener.onLoad(
            r.service(), r.endpointId(), outcome.load(), profile.kind(), nanoTime.getAsLong());
      } else {
        anyFailed = true;
        listener.onFailure(r.service(), r.endpointId(), outcome.error());
      }
    }
    if (anyFailed) {
      failed(t);
    }
  }

  /** An engine's load read for some model names, or why it could not be. */
  private record Reading(EngineLoad load, String error) {
    static Reading of(EngineProfile profile, Exposition e, List<String> models) {
      try {
        return new Reading(profile.read(e, models), null);
      } catch (IllegalArgumentException x) {
        return new Reading(null, x.getMessage() == null ? x.toString() : x.getMessage());
      }
    }
  }

  private static String describe(Throwable error) {
    Throwable cause =
        error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    if (cause instanceof HttpTimeoutException) {
      return TIMED_OUT;
    }
    if (cause instanceof java.net.ConnectException) {
      return "connection refused";
    }
    String m = cause.getMessage();
    if (cause instanceof ScrapeClient.HttpStatusException) {
      return m;
    }
    if (cause instanceof java.io.IOException && m != null && m.startsWith("response larger")) {
      return m;
    }
    return cause.getClass().getSimpleName() + (m == null ? "" : ": " + m);
  }

  /**
   * Counters since start: scrapes finished, failed, skipped (still running or over the cap), bytes.
   */
  public record Stats(long scrapes, long failures, long skipped, long bytes, int targets) {}

  public synchronized Stats stats() {
    return new Stats(scrapes.get(), failures.get(), skipped.get(), bytes.get(), targets.size());
  }

  @Override
  public synchronized void close() {
    targets.values().forEach(this::stop);
    if (ownScheduler) {
      scheduler.shutdownNow();
    }
    http.close();
  }
}
