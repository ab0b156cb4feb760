package dev.llmxds.sim.envoy;

/**
 * Our model of Envoy's update merge window for one cluster priority of one Envoy ({@code
 * source/common/upstream/cluster_manager_impl.cc}: the priority-update callback set up for each
 * cluster, {@code ClusterManagerImpl::scheduleUpdate} and {@code applyUpdates}).
 *
 * <p>Only mergeable updates go through it: health, weight or metadata changes with no host added or
 * removed (an update with adds or removes is delivered at once and cancels a pending merge, {@link
 * #unmergeable}). For a mergeable update:
 *
 * <ul>
 *   <li>if more than one window has passed since the last update took effect ({@code delta_ms >
 *       window}, the delta truncated to whole milliseconds) it takes effect at once; a merge timer
 *       still pending is cancelled, its updates going out with this one;
 *   <li>otherwise it is held; the first held update arms a timer of one full window, later ones
 *       ride on it, and when it fires everything held takes effect together.
 * </ul>
 *
 * "Takes effect" is the moment the workers' load balancers rebuild ({@code refresh}). Before the
 * first update the last one counts as infinitely long ago (Envoy starts from the monotonic clock's
 * epoch). A window of 0 turns merging off (Envoy skips {@code scheduleUpdate} then).
 */
public final class MergeWindow {
  /** Schedules {@code action} at simulated time {@code nanos}. */
  @FunctionalInterface
  public interface Timer {
    void at(long nanos, Runnable action);
  }

  private final long windowMs;
  private final Timer timer;
  private final Runnable apply;
  private long lastAppliedNanos = Long.MIN_VALUE;
  private long armed; // generation of the pending timer, 0 if none
  private long generation;
  private long appliedAtOnce;
  private long appliedByTimer;
  private long held;
  private long cancelled;

  /**
   * @param windowMs {@code common_lb_config.update_merge_window} in milliseconds (Envoy: 1000)
   * @param timer schedules the merge timer
   * @param apply runs when updates take effect
   */
  public MergeWindow(long windowMs, Timer timer, Runnable apply) {
    if (windowMs < 0) {
      throw new IllegalArgumentException("window " + windowMs);
    }
    this.windowMs = windowMs;
    this.timer = timer;
    this.apply = apply;
  }

  /** A mergeable update arrives at {@code nowNanos}. */
  public void update(long nowNanos) {
    if (windowMs == 0) {
      appliedAtOnce++;
      apply.run();
      return;
    }
    boolean outOfWindow =
        lastAppliedNanos == Long.MIN_VALUE || (nowNanos - lastAppliedNanos) / 1_000_000 > windowMs;
    if (outOfWindow) {
      takeEffectNow(nowNanos);
      return;
    }
    held++;
    if (armed == 0) {
      long mine = ++generation;
      armed = mine;
      long due = nowNanos + windowMs * 1_000_000;
      timer.at(due, () -> fire(mine, due));
    }
  }

  /** An update that adds or removes hosts: delivered at once, cancelling any pending merge. */
  public void unmergeable(long nowNanos) {
    takeEffectNow(nowNanos);
  }

  private void takeEffectNow(long nowNanos) {
    if (armed != 0) {
      armed = 0;
      cancelled++;
    }
    lastAppliedNanos = nowNanos;
    appliedAtOnce++;
    apply.run();
  }

  private void fire(long mine, long nowNanos) {
    if (armed != mine) {
      return; // cancelled: its updates already went out with a later one
    }
    armed = 0;
    lastAppliedNanos = nowNanos;
    appliedByTimer++;
    apply.run();
  }

  /** True while held updates wait for the timer. */
  public boolean pending() {
    return armed != 0;
  }

  /** Updates that took effect on arrival (Envoy: {@code cluster_updated}). */
  public long appliedAtOnce() {
    return appliedAtOnce;
  }

  /** Timer firings that applied held updates (Envoy: {@code cluster_updated_via_merge}). */
  public long appliedByTimer() {
    return appliedByTimer;
  }

  /** Updates held for the timer. */
  public long held() {
    return held;
  }

  /**
   * Pending merges cancelled by an update applied at once (Envoy: {@code update_merge_cancelled}).
   */
  public long cancelled() {
    return cancelled;
  }
}
