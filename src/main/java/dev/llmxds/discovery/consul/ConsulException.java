package dev.llmxds.discovery.consul;

/** Consul could not be read; the message says why in one line (never with the token). */
final class ConsulException extends RuntimeException {
  ConsulException(String message) {
    super(message);
  }
}
