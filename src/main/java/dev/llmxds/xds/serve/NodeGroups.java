package dev.llmxds.xds.serve;

import dev.llmxds.xds.resource.NodeGroupKey;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node groups clients have asked for. Groups are client input (every distinct zone makes one),
 * so they are leased: each open stream holds a {@link Lease} on its group; a group nobody has held
 * for {@code xds.groupIdleTimeout} is dropped, and at most {@code xds.maxNodeGroups} exist at once.
 * This class only keeps the books: it tells its {@link Listener} (the reconciler) that a group
 * appeared or went, and the reconciler publishes or forgets it. Until a new group's first
 * publication, the cache holds its streams' watches open.
 */
public final class NodeGroups {
  private static final Logger log = LoggerFactory.getLogger(NodeGroups.class);

  /** Told of group arrivals and departures; must not block (it is called on gRPC threads). */
  public interface Listener {
    void groupSeen(NodeGroupKey group);

    /**
     * {@code groups} were dropped; forget them through {@link NodeGroups#forgetUnlessHeld}, which
     * skips a group a new stream took meanwhile.
     */
    void groupsDropped(NodeGroups from, Set<NodeGroupKey> groups);
  }

  private final Map<NodeGroupKey, Lease> leases = new ConcurrentHashMap<>();
  private final LongSupplier nanoTime;
  private final long idleTimeoutNanos;
  private final int maxGroups;
  private final AtomicLong refused = new AtomicLong();
  private volatile Listener listener =
      new Listener() {
        @Override
        public void groupSeen(NodeGroupKey group) {}

        @Override
        public void groupsDropped(NodeGroups from, Set<NodeGroupKey> groups) {}
      };

  public NodeGroups(java.time.Duration idleTimeout, int maxGroups, LongSupplier nanoTime) {
    this.idleTimeoutNanos = idleTimeout.toNanos();
    this.maxGroups = maxGroups;
    this.nanoTime = nanoTime;
  }

  /** Sets who hears of arrivals and departures (the reconciler, once, before the server starts). */
  public void listen(Listener listener) {
    this.listener = listener;
  }

  /**
   * Takes a lease on {@code group} for one stream, announcing the group when it is new. Throws
   * {@link GroupLimitException} when the group is new and {@code xds.maxNodeGroups} groups are all
   * held.
   */
  public Lease acquire(NodeGroupKey group) {
    Lease lease = leases.get(group);
    if (lease != null && lease.tryAcquire()) {
      return lease;
    }
    boolean isNew = false;
    synchronized (this) {
      lease = leases.get(group);
      if (lease == null || !lease.tryAcquire()) {
        dropIdle();
        if (leases.size() >= maxGroups && !evictLongestIdle()) {
          refused.incrementAndGet();
          throw new GroupLimitException(maxGroups);
        }
        lease = new Lease(group);
        leases.put(group, lease);
        isNew = true;
        if (!lease.tryAcquire()) {
          throw new IllegalStateException("new lease of " + group + " dropped under the lock");
        }
      }
    }
    if (isNew) {
      log.info("first node in group {}: publishing its snapshot", group);
      listener.groupSeen(group);
    }
    return lease;
  }

  /** Drops the group idle longest; false when every group has an open stream. */
  private boolean evictLongestIdle() {
    Lease oldest = null;
    for (Lease l : leases.values()) {
      if (l.idleSince() != Long.MIN_VALUE
          && (oldest == null || l.idleSince() - oldest.idleSince() < 0)) {
        oldest = l;
      }
    }
    if (oldest == null || !oldest.tryDrop(0, nanoTime.getAsLong())) {
      return false;
    }
    leases.remove(oldest.group);
    listener.groupsDropped(this, Set.of(oldest.group));
    return true;
  }

  /**
   * Drops every group no stream has held for the idle timeout. Runs before a new group is admitted
   * and from the server's timer.
   *
   * @return how many groups were dropped
   */
  public synchronized int dropIdle() {
    long now = nanoTime.getAsLong();
    Set<NodeGroupKey> dropped = new java.util.HashSet<>();
    for (Lease l : List.copyOf(leases.values())) {
      if (l.tryDrop(idleTimeoutNanos, now)) {
        leases.remove(l.group);
        dropped.add(l.group);
      }
    }
    if (!dropped.isEmpty()) {
      log.info(
          "dropped {} node group(s) idle for {} ms", dropped.size(), idleTimeoutNanos / 1_000_000);
      listener.groupsDropped(this, Set.copyOf(dropped));
    }
    return dropped.size();
  }

  /**
   * Runs {@code forget} for a dropped {@code group} unless a stream holds it again, atomically with
   * new leases: a stream that attached after the drop was announced (its watches already in the
   * cache's group) keeps its group instead of losing it to a late forget.
   *
   * @return whether {@code forget} ran
   */
  public synchronized boolean forgetUnlessHeld(NodeGroupKey group, Runnable forget) {
    if (leases.containsKey(group)) {
      return false;
    }
    forget.run();
    return true;
  }

  /** Node groups that currently exist (held, or idle within the timeout). */
  public int count() {
    return leases.size();
  }

  /** Streams refused because {@code xds.maxNodeGroups} groups were all held. */
  public long refused() {
    return refused.get();
  }

  /** A stream's hold on its node group; {@link #close} once, when the stream ends. */
  public final class Lease implements AutoCloseable {
    private final NodeGroupKey group;
    private int holders;
    private long idleSince;
    private boolean dropped;

    private Lease(NodeGroupKey group) {
      this.group = group;
      this.idleSince = nanoTime.getAsLong();
    }

    public NodeGroupKey group() {
      return group;
    }

    private synchronized boolean tryAcquire() {
      if (dropped) {
        return false;
      }
      holders++;
      return true;
    }

    /** When the last holder left ({@link Long#MIN_VALUE} while held). */
    private synchronized long idleSince() {
      return holders > 0 || dropped ? Long.MIN_VALUE : idleSince;
    }

    private synchronized boolean tryDrop(long idleNanos, long now) {
      if (dropped || holders > 0 || now - idleSince < idleNanos) {
        return false;
      }
      dropped = true;
      return true;
    }

    @Override
    public synchronized void close() {
      if (holders > 0 && --holders == 0) {
        idleSince = nanoTime.getAsLong();
      }
    }
  }
}
