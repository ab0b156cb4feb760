package dev.llmxds.discovery;

/** A discovery source could not produce a fleet; the message says why in one line. */
public final class DiscoveryException extends RuntimeException {
  public DiscoveryException(String message) {
    super(message);
  }
}
