package dev.llmxds.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Consul discovery: which services are inference services and how they are watched. The ACL token
 * is read from the environment variable {@code tokenEnv} or from {@code tokenFile}; it is never
 * logged or shown. {@code allowEmpty}: when Consul suddenly lists no inference service at all, the
 * empty fleet is published instead of keeping the last good one.
 */
public record ConsulConfig(
    URI address,
    String datacenter,
    String tokenEnv,
    Path tokenFile,
    Path caFile,
    Boolean stale,
    Duration blockingWait,
    Duration minInterval,
    Duration errorBackoff,
    Duration maxErrorBackoff,
    String tag,
    Map<String, String> meta,
    Boolean allowEmpty,
    Integer maxResponseBytes) {
  public static final ConsulConfig DEFAULT =
      new ConsulConfig(
          null, null, null, null, null, null, null, null, null, null, null, null, null, null);

  public ConsulConfig {
    address = Check.orDefault(address, URI.create("http://127.0.0.1:8500"));
    String scheme = address.getScheme() == null ? "" : address.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https") || address.getHost() == null) {
      throw new ConfigException(
          "address",
          "must be an http:// or https:// URL such as http://127.0.0.1:8500, got " + address);
    }
    if (address.getRawUserInfo() != null) {
      // the JDK client never sends URL credentials, and a password here would show in every log
      // and status page that names the source
      throw new ConfigException(
          "address",
          "must not carry credentials (user:password@); use consul.tokenFile or the token"
              + " environment variable");
    }
    if (datacenter != null && !datacenter.matches("[A-Za-z0-9_.-]+")) {
      throw new ConfigException("datacenter", "'" + datacenter + "' is not a datacenter name");
    }
    tokenEnv = Check.orDefault(tokenEnv, "CONSUL_HTTP_TOKEN");
    if (tokenFile != null && !Files.isReadable(tokenFile)) {
      throw new ConfigException("tokenFile", "cannot read file " + tokenFile);
    }
    if (caFile != null && !Files.isReadable(caFile)) {
      throw new ConfigException("caFile", "cannot read file " + caFile);
    }
    stale = Check.orDefault(stale, false);
    blockingWait =
        Check.positive("blockingWait", Check.orDefault(blockingWait, Duration.ofMinutes(5)));
    if (blockingWait.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new ConfigException("blockingWait", "Consul caps blocking queries at 10m");
    }
    minInterval =
        Check.atLeast(
            "minInterval",
            Check.orDefault(minInterval, Duration.ofMillis(500)),
            Duration.ofMillis(10));
    errorBackoff =
        Check.atLeast(
            "errorBackoff",
            Check.orDefault(errorBackoff, Duration.ofSeconds(1)),
            Duration.ofMillis(10));
    maxErrorBackoff =
        Check.positive("maxErrorBackoff", Check.orDefault(maxErrorBackoff, Duration.ofSeconds(30)));
    if (maxErrorBackoff.compareTo(errorBackoff) < 0) {
      throw new ConfigException("maxErrorBackoff", "must not be shorter than errorBackoff");
    }
    tag = Check.orDefault(tag, "llm").strip();
    meta = java.util.Collections.unmodifiableMap(new TreeMap<>(Check.orDefault(meta, Map.of())));
    allowEmpty = Check.orDefault(allowEmpty, false);
    maxResponseBytes =
        Check.range(
            "maxResponseBytes",
            Check.orDefault(maxResponseBytes, 64 * 1024 * 1024),
            1024,
            1024 * 1024 * 1024);
  }

  /**
   * The ACL token from {@code tokenFile}, else from {@code tokenEnv}; empty when neither is set.
   */
  public String resolveToken(Map<String, String> env) {
    if (tokenFile != null) {
      try {
        return Files.readString(tokenFile).strip();
      } catch (java.io.IOException e) {
        throw new ConfigException("tokenFile", "cannot read file " + tokenFile);
      }
    }
    return Check.orDefault(env.get(tokenEnv), "").strip();
  }

  public ConsulConfig withAddress(URI newAddress) {
    return new ConsulConfig(
        newAddress,
        datacenter,
        tokenEnv,
        tokenFile,
        caFile,
        stale,
        blockingWait,
        minInterval,
        errorBackoff,
        maxErrorBackoff,
        tag,
        meta,
        allowEmpty,
        maxResponseBytes);
  }
}
