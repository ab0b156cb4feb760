package dev.llmxds.testing;

import dev.llmxds.xds.serve.NodeStatus;

/** What tests ask of a stream's status. */
public final class Streams {
  private Streams() {}

  /** True when every response sent so far has been ACKed and none NACKed. */
  public static boolean fullyAcked(NodeStatus node) {
    return node.types().values().stream()
        .allMatch(
            t ->
                t.nacks() == 0
                    && t.acks() == t.responses()
                    && t.sentVersion().equals(t.ackedVersion()));
  }
}
