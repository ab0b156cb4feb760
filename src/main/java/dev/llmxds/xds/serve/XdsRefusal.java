package dev.llmxds.xds.serve;

import io.envoyproxy.controlplane.server.exception.RequestException;
import io.grpc.Status;

/**
 * Ends a stream with a status the client sees (java-control-plane closes the stream with it). No
 * stack trace: java-control-plane logs the exception of every stream closed with an error, and a
 * refused client must not be able to write a stack trace per connection.
 */
final class XdsRefusal extends RequestException {
  XdsRefusal(Status.Code code, String description) {
    super(Status.fromCode(code).withDescription(description));
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
