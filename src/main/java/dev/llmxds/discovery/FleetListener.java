package dev.llmxds.discovery;

import dev.llmxds.fleet.Fleet;

/** Receives every fleet a discovery source successfully read. */
@FunctionalInterface
public interface FleetListener {
  void onFleet(Fleet fleet);
}
