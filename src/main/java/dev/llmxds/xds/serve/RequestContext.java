package dev.llmxds.xds.serve;

import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * What the stream callbacks learned about the request being processed, handed to {@link NackGuard}
 * on the same thread: java-control-plane calls the request callback and then, on the same thread,
 * the cache's createWatch, which is not told the stream.
 *
 * @param node the stream's node (Envoy may send it only on the first request)
 * @param rejectedVersion for a NACK of the stream's latest response: the version it rejected
 */
record RequestContext(Node node, String rejectedVersion, long streamId) {
  private static final ThreadLocal<RequestContext> CURRENT = new ThreadLocal<>();
  private static final ThreadLocal<Long> STREAM = new ThreadLocal<>();

  RequestContext(Node node, String rejectedVersion) {
    this(node, rejectedVersion, -1);
  }

  static void set(RequestContext context) {
    CURRENT.set(context);
    STREAM.set(context.streamId());
  }

  /** The stream of the request being processed on this thread (-1 when unknown). */
  static long currentStream() {
    Long s = STREAM.get();
    return s == null ? -1 : s;
  }

  /** Forgets everything this thread knew of its request (after the watch is created). */
  static void clear() {
    CURRENT.remove();
    STREAM.remove();
  }

  /** Returns and clears the context of the request on this thread (null when none). */
  static RequestContext take() {
    RequestContext c = CURRENT.get();
    CURRENT.remove();
    return c;
  }
}
