package dev.llmxds.admin;

import dev.llmxds.discovery.DiscoveryStatus;
import dev.llmxds.load.Scraper;
import dev.llmxds.reconcile.Published;
import dev.llmxds.weighting.EndpointLoad;
import dev.llmxds.xds.resource.NodeGroupKey;
import dev.llmxds.xds.resource.VersionedResources;
import dev.llmxds.xds.serve.NodeGroups;
import dev.llmxds.xds.serve.StreamTracker;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.Consumer;

/**
 * Everything the admin views read, and nothing they could change: what is published, the streams,
 * discovery's status and the load book. The running server implements it; the admin package never
 * sees the wiring.
 */
public interface AdminSource {
  /** What is published now. */
  Published published();

  /** Calls {@code subscriber} after every publication; closing the handle unsubscribes it. */
  AutoCloseable subscribe(Consumer<Published> subscriber);

  /** What a node of {@code group} receives, published or (no such node yet) projected. */
  VersionedResources preview(NodeGroupKey group);

  /** Connected streams: their nodes, versions, ACKs and NACKs, and the counters. */
  StreamTracker streams();

  /** The node groups clients asked for. */
  NodeGroups nodeGroups();

  DiscoveryStatus discovery();

  /** An endpoint's scraped load, or null when never scraped (or scraping is off). */
  EndpointLoad load(String service, String endpointId);

  /** The scraper's counters, or null when scraping is off. */
  Scraper.Stats scrapes();

  PrometheusMeterRegistry registry();
}
