package dev.llmxds.xds.serve;

import dev.llmxds.fleet.Locality;
import dev.llmxds.xds.resource.ClientKind;
import java.time.Instant;
import java.util.Map;

/**
 * One connected xDS stream as the server sees it: who it is and, per resource type, what was sent,
 * ACKed and NACKed.
 */
public record NodeStatus(
    long streamId,
    String nodeId,
    ClientKind kind,
    Locality locality,
    boolean delta,
    Instant connectedAt,
    Map<String, TypeStatus> types) {

  /** Per resource type ({@code cds}, {@code eds}, ...). */
  public record TypeStatus(
      String sentVersion,
      String ackedVersion,
      long responses,
      long acks,
      long nacks,
      Nack lastNack) {}

  /** A rejected version and the client's reason. */
  public record Nack(String version, String error, Instant at) {}
}
