package dev.llmxds.reconcile;

import dev.llmxds.config.ReconcilerConfig;
import dev.llmxds.discovery.FleetListener;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.util.DaemonThreads;
import dev.llmxds.weighting.LoadBook;
import dev.llmxds.weighting.WeightTable;
import dev.llmxds.xds.projection.XdsProjection;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.serve.NodeGroups;
import dev.llmxds.xds.serve.XdsCache;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one publisher. Its inputs are events: fleets from discovery (coalesced: published {@code
 * debounce} after the last, at most {@code maxWait} after the first unpublished one), the weight
 * clock (every {@code weights.publishInterval} it asks the load book for the weights and publishes
 * when they moved), and node groups arriving or leaving ({@link NodeGroups}). Each publication
 * projects the resources of the affected node groups, validates them (a group whose resources fail
 * keeps its previous ones), versions them by content, hands them to the cache, swaps the one
 * immutable {@link Published} and then tells every subscriber. All of it runs under one lock, on
 * the reconciler's thread (or the caller's, for the first fleet at start-up).
 */
public final class Reconciler implements FleetListener, NodeGroups.Listener, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final ReconcilerConfig config;
  private final XdsProjection projection;
  private final XdsCache cache;
  private final LongSupplier nanoTime;
  private final LoadBook book;
  private final ScheduledExecutorService executor;
  private final Snapshots snapshots;
  private final List<Consumer<Published>> subscribers = new CopyOnWriteArrayList<>();
  private volatile Published published = Published.NONE;

  // guarded by this
  /**
   * Node groups clients asked for: each publication projects all of them (a group whose resources
   * failed validation is retried at the next one).
   */
  private final Set<NodeGroupKey> known = new java.util.HashSet<>();

  private Fleet pending;
  private long firstPendingNanos;
  private ScheduledFuture<?> scheduled;

  /**
   * @param book source of dynamic weights, or null to keep static weights
   * @param publishInterval how often weights are re-read
   */
  public Reconciler(
      ReconcilerConfig config,
      XdsProjection projection,
      XdsCache cache,
      LongSupplier nanoTime,
      LoadBook book,
      Duration publishInterval) {
    this.config = config;
    this.projection = projection;
    this.snapshots = new Snapshots(projection);
    this.cache = cache;
    this.nanoTime = nanoTime;
    this.book = book;
    this.executor = DaemonThreads.scheduler("reconciler");
    if (book != null) {
      long every = publishInterval.toNanos();
      executor.scheduleWithFixedDelay(this::refreshWeights, every, every, TimeUnit.NANOSECONDS);
    }
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
  public synchronized void publishNow(Fleet fleet) {
    pending = null;
    publishFleet(fleet);
  }

  private synchronized void flush() {
    Fleet fleet = pending;
    pending = null;
    scheduled = null;
    if (fleet != null) {
      publishFleet(fleet);
    }
  }

  /** A node of a new group connected: publish that group's resources (its watches wait). */
  @Override
  public void groupSeen(NodeGroupKey group) {
    execute(
        () -> {
          if (known.add(group)) {
            Published p = published;
            publish(p.fleet(), p.weights(), Set.of(group), p.publications(), p.weightUpdates());
          }
        });
  }

  /**
   * Groups left: forget what was published for them, here, in the memo and in the cache — unless a
   * new stream took the group between the drop and now (its watches are in the cache's group).
   */
  @Override
  public void groupsDropped(NodeGroups from, Set<NodeGroupKey> groups) {
    execute(
        () -> {
          Map<NodeGroupKey, VersionedResources> kept = new HashMap<>(published.groups());
          for (NodeGroupKey g : groups) {
            from.forgetUnlessHeld(
                g,
                () -> {
                  known.remove(g);
                  kept.remove(g);
                  snapshots.forget(g);
                  cache.drop(g);
                });
          }
          Published p = published;
          published =
              new Published(
                  p.fleet(),
                  p.weights(),
                  kept,
                  p.publications(),
                  p.weightUpdates(),
                  p.rejected(),
                  p.publishNanos(),
                  p.publishes());
        });
  }

  private void execute(Runnable task) {
    try {
      executor.execute(
          () -> {
            synchronized (this) {
              try {
                task.run();
              } catch (RuntimeException e) {
                log.error("node group update failed", e);
              }
            }
          });
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  private void publishFleet(Fleet fleet) {
    try {
      if (book != null) {
        book.retain(fleet);
      }
      WeightTable weights =
          book == null
              ? WeightTable.EMPTY
              : book.table(fleet, published.weights(), nanoTime.getAsLong());
      Published p = published;
      publish(fleet, weights, Set.copyOf(known), p.publications() + 1, p.weightUpdates());
    } catch (RuntimeException e) {
      log.error("publication failed; the previous resources stay in place", e);
    }
  }

  /** Republishes the current fleet when the load book's weights moved. */
  private synchronized void refreshWeights() {
    try {
      Published p = published;
      WeightTable weights = book.table(p.fleet(), p.weights(), nanoTime.getAsLong());
      if (!weights.equals(p.weights())) {
        publish(p.fleet(), weights, Set.copyOf(known), p.publications(), p.weightUpdates() + 1);
      }
    } catch (RuntimeException e) {
      log.error("weight update failed; the previous weights stay in place", e);
    }
  }

  /**
   * The one publication path: projects, validates and versions the resources of {@code groups},
   * hands the changed ones to the cache, swaps {@link #published} and tells every subscriber.
   */
  private void publish(
      Fleet fleet,
      WeightTable weights,
      Set<NodeGroupKey> groups,
      long publications,
      long weightUpdates) {
    long started = System.nanoTime();
    Published before = published;
    Snapshots.Step step = snapshots.next(fleet, weights, groups, before.groups());
    Published after =
        new Published(
            fleet,
            weights,
            step.published(),
            publications,
            weightUpdates,
            before.rejected() + step.rejected(),
            before.publishNanos() + (System.nanoTime() - started),
            before.publishes() + 1);
    // what is published is visible before any client hears of it
    published = after;
    step.changed().forEach(cache::set);
    log.debug("published {} services to {} node groups", fleet.services().size(), groups.size());
    for (Consumer<Published> s : subscribers) {
      try {
        s.accept(after);
      } catch (RuntimeException e) {
        log.error("a publication subscriber failed", e);
      }
    }
  }

  /**
   * Calls {@code subscriber} after every publication (fleet, weights or node groups) with what is
   * now published; it must not block. Closing the returned handle unsubscribes it.
   */
  public AutoCloseable subscribe(Consumer<Published> subscriber) {
    subscribers.add(subscriber);
    return () -> subscribers.remove(subscriber);
  }

  /** What is published now. */
  public Published published() {
    return published;
  }

  /**
   * What a node of {@code group} receives: the published resources, or (no such node yet) those it
   * would receive, projected from the published fleet and weights without publishing.
   */
  public VersionedResources preview(NodeGroupKey group) {
    Published p = published;
    VersionedResources v = p.groups().get(group);
    return v != null
        ? v
        : VersionedResources.unpublished(projection.project(p.fleet(), p.weights(), group));
  }

  /** Node groups whose assignments the projection memo keeps (freed with their group). */
  synchronized int memoGroupCount() {
    return snapshots.memoGroupCount();
  }

  @Override
  public void close() {
    executor.shutdownNow();
  }
}
