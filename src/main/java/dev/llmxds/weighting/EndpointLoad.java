package dev.llmxds.weighting;

import dev.llmxds.fleet.EngineLoad;

/**
 * One endpoint's load as the admin views show it.
 *
 * @param last the last figures scraped, or null before the first good scrape
 * @param state the smoothed state, or null
 * @param lastScrapeNanos ticker time of the last good scrape (0: never)
 * @param lastError the last scrape error, or null when the last scrape succeeded
 * @param engine the engine profile in use ("vllm", …) or null when unknown
 */
public record EndpointLoad(
    EngineLoad last, LoadState state, long lastScrapeNanos, String lastError, String engine) {}
