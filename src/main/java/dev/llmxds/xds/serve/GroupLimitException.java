package dev.llmxds.xds.serve;

/** A new node group was refused: {@code xds.maxNodeGroups} groups all have open streams. */
public final class GroupLimitException extends RuntimeException {
  private final int limit;

  public GroupLimitException(int limit) {
    super(
        "too many node groups: all "
            + limit
            + " (xds.maxNodeGroups) have open streams; a node from a new region/zone is refused");
    this.limit = limit;
  }

  public int limit() {
    return limit;
  }
}
