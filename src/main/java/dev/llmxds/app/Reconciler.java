package dev.llmxds.app;

import dev.llmxds.config.ReconcilerConfig;
import dev.llmxds.discovery.FleetListener;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.util.DaemonThreads;
import dev.llmxds.weighting.LoadBook;
import dev.llmxds.weighting.WeightTable;
import dev.llmxds.xds.XdsPublisher;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place that publishes. Sources hand it fleets; it coalesces bursts (publishes {@code
 * debounce} after the last event, at most {@code maxWait} after the first unpublished one) and then
 * projects and publishes on its own thread.
 */
public final class Reconciler implements FleetListener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final ReconcilerConfig config;
  private final XdsPublisher publisher;
  private final LongSupplier nanoTime;
  private final ScheduledExecutorService executor;
  private final LoadBook book;
  private final Consumer<Fleet> onPublished;
  private WeightTable lastTable = WeightTable.EMPTY;
  private Fleet pending;
  private long firstPendingNanos;
  private ScheduledFuture<?> scheduled;
  private volatile Fleet current = Fleet.EMPTY;
  private volatile long publications;
  private volatile long weightUpdates;
  private volatile long publishNanos;
  private final java.util.List<Runnable> listeners =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  /**
   * @param book source of dynamic weights, or null to keep static weights
   * @param publishInterval how often weights are re-read
   * @param onPublished told of every fleet published (the scraper follows it)
   */
  public Reconciler(
      ReconcilerConfig config,
      XdsPublisher publisher,
      LongSupplier nanoTime,
      LoadBook book,
      Duration publishInterval,
      Consumer<Fleet> onPublished) {
    this.config = config;
    this.publisher = publisher;
    this.nanoTime = nanoTime;
    this.book = book;
    this.onPublished = onPublished;
    this.executor = DaemonThreads.scheduler("reconciler");
    if (book != null) {
      long every = publishInterval.toNanos();
      executor.scheduleWithFixedDelay(this::refreshWeights, every, every, TimeUnit.NANOSECONDS);
    }
  }

  public Reconciler(ReconcilerConfig config, XdsPublisher publisher, LongSupplier nanoTime) {
    this(config, publisher, nanoTime, null, Duration.ofSeconds(1), fleet -> {});
  }

  /**
   * Delay before publishing, given when the first unpublished event arrived and now: {@code
   * debounce}, cut short so publication happens no later than {@code maxWait} after the first.
   */
  static long delayNanos(ReconcilerConfig config, long firstPendingNanos, long nowNanos) {
    long debounce = config.debounce().toNanos();
    long latest = firstPendingNanos + config.maxWait().toNanos();
    return Math.max(0, Math.min(nowNanos + debounce, latest) - nowNanos);
  }

  @Override
  public synchronized void onFleet(Fleet fleet) {
    long now = nanoTime.getAsLong();
    if (pending == null) {
      firstPendingNanos = now;
    }
    pending = fleet;
    if (scheduled != null) {
      scheduled.cancel(false);
    }
    scheduled =
        executor.schedule(
            this::flush, delayNanos(config, firstPendingNanos, now), TimeUnit.NANOSECONDS);
  }

  /** Publishes {@code fleet} at once on the calling thread (start-up). */
  public void publishNow(Fleet fleet) {
    synchronized (this) {
      pending = null;
    }
    publish(fleet);
  }

  private void flush() {
    Fleet fleet;
    synchronized (this) {
      fleet = pending;
      pending = null;
      scheduled = null;
    }
    if (fleet != null) {
      publish(fleet);
    }
  }

  private synchronized void publish(Fleet fleet) {
    try {
      WeightTable table =
          book == null ? WeightTable.EMPTY : book.table(fleet, nanoTime.getAsLong());
      List<String> errors = publisher.publish(fleet, table);
      current = fleet;
      lastTable = table;
      publications++;
      if (errors.isEmpty()) {
        log.debug("published {} services", fleet.services().size());
      }
      onPublished.accept(fleet);
      listeners.forEach(Runnable::run);
    } catch (RuntimeException e) {
      log.error("publication failed; the previous snapshots stay in place", e);
    }
  }

  /** Republishes the current fleet when the load book's weights moved. */
  private synchronized void refreshWeights() {
    try {
      WeightTable table = book.table(current, nanoTime.getAsLong());
      if (!table.equals(lastTable)) {
        long started = System.nanoTime();
        publisher.publish(current, table);
        publishNanos += System.nanoTime() - started;
        lastTable = table;
        weightUpdates++;
        listeners.forEach(Runnable::run);
      }
    } catch (RuntimeException e) {
      log.error("weight update failed; the previous weights stay in place", e);
    }
  }

  /**
   * Runs {@code listener} after every publication (fleet or weights); it must not block. Closing
   * the returned handle unregisters it.
   */
  public AutoCloseable onPublish(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  /** Time spent publishing (project, validate, hand to every watching stream), in total. */
  public long publishNanos() {
    return publishNanos;
  }

  /** Weight-only republications so far. */
  public long weightUpdates() {
    return weightUpdates;
  }

  /** The weights most recently published. */
  public WeightTable weights() {
    return lastTable;
  }

  /** The fleet most recently published. */
  public Fleet current() {
    return current;
  }

  public long publications() {
    return publications;
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
