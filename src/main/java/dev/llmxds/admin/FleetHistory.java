package dev.llmxds.admin;

import dev.llmxds.admin.v1.Endpoint;
import dev.llmxds.admin.v1.Fleet;
import dev.llmxds.admin.v1.Service;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A short in-memory history of the fleet view for the page's charts: every endpoint's published
 * weight and queue, sampled at a fixed interval. Bounded: {@link #MAX_POINTS} samples, {@link
 * #MAX_SERVICES} services and {@link #MAX_ENDPOINTS} endpoints per service per sample.
 */
final class FleetHistory {
  static final int MAX_POINTS = 150;
  static final int MAX_SERVICES = 8;
  static final int MAX_ENDPOINTS = 32;

  /** One endpoint at one sample; queue is NaN when not scraped. */
  record Value(int weight, double queue) {}

  /** One sample: service → endpoint id → value. */
  record Sample(long epochMillis, Map<String, Map<String, Value>> services) {}

  private final ArrayDeque<Sample> samples = new ArrayDeque<>();

  synchronized void sample(Fleet fleet, long epochMillis) {
    Map<String, Map<String, Value>> services = new LinkedHashMap<>();
    for (Service s : fleet.getServicesList()) {
      if (services.size() >= MAX_SERVICES) {
        break;
      }
      Map<String, Value> endpoints = new LinkedHashMap<>();
      for (Endpoint e : s.getEndpointsList()) {
        if (endpoints.size() >= MAX_ENDPOINTS) {
          break;
        }
        endpoints.put(
            e.getId(),
            new Value(e.getWeight(), e.hasLoad() ? e.getLoad().getWaiting() : Double.NaN));
      }
      services.put(s.getName(), endpoints);
    }
    samples.addLast(new Sample(epochMillis, services));
    while (samples.size() > MAX_POINTS) {
      samples.removeFirst();
    }
  }

  synchronized List<Sample> samples() {
    return new ArrayList<>(samples);
  }
}
