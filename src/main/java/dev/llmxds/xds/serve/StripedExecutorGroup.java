package dev.llmxds.xds.serve;

import dev.llmxds.util.DaemonThreads;
import io.envoyproxy.controlplane.server.ExecutorGroup;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Spreads response sending over one single-thread executor per core: a publication reaching a
 * thousand streams is written by all cores, while each stream keeps its order (a stream always uses
 * the same executor).
 */
final class StripedExecutorGroup implements ExecutorGroup, AutoCloseable {
  private final ExecutorService[] stripes;
  private final AtomicInteger next = new AtomicInteger();

  StripedExecutorGroup(int n) {
    stripes = new ExecutorService[n];
    for (int i = 0; i < n; i++) {
      int id = i;
      stripes[i] = Executors.newSingleThreadExecutor(DaemonThreads.named("xds-send-" + id));
    }
  }

  @Override
  public Executor next() {
    return stripes[Math.floorMod(next.getAndIncrement(), stripes.length)];
  }

  @Override
  public void close() {
    for (ExecutorService s : stripes) {
      s.shutdownNow();
    }
  }
}
