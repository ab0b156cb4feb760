package dev.llmxds.discovery;

/** A source of fleets (file, Consul). It only produces events; it never touches xDS. */
public interface FleetSource extends AutoCloseable {
  /**
   * Reads the first fleet synchronously, hands it to {@code listener}, then keeps watching.
   *
   * @throws DiscoveryException when the first read fails, with a message fit for the user
   */
  void start(FleetListener listener);

  DiscoveryStatus status();

  @Override
  void close();
}
