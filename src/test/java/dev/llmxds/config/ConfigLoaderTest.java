package dev.llmxds.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private static String error(String yaml) {
    return assertThrows(ConfigException.class, () -> ConfigLoader.parse(yaml, null)).getMessage();
  }

  @Test
  void emptyFileGivesDocumentedDefaults() {
    LlmXdsConfig c = ConfigLoader.parse("", null);
    assertEquals(18000, c.xds().port());
    assertEquals("file", c.discovery().source());
    assertEquals(null, c.discovery().file().path());
    assertEquals(Duration.ofMillis(100), c.reconciler().debounce());
    assertEquals(2, c.cluster().leastRequest().choiceCount());
    assertEquals(null, c.cluster().leastRequest().activeRequestBias(), "left to Envoy");
    assertEquals(Duration.ofMillis(500), c.cluster().updateMergeWindow());
    assertEquals(140, c.cluster().overprovisioningFactor());
    assertEquals("small-pool", c.cluster().outlierDetection().preset());
    assertEquals("x-model", c.listener().modelHeader());
    assertEquals(Duration.ZERO, c.listener().routeTimeout());
    assertEquals(List.of(503), c.listener().retriableStatusCodes());
  }

  @Test
  void everyErrorNamesItsField() {
    assertEquals(
        "cluster.leastRequest.choiceCount: must be between 2 and 100, got 1",
        error("cluster: {leastRequest: {choiceCount: 1}}"));
    assertEquals("xds.port: expected a whole number", error("xds: {port: eighteen}"));
    assertEquals(
        "cluster.connectTimeout: '5 seconds' is not a duration (use a number with ms, s, m or h,"
            + " e.g. 5s)",
        error("cluster: {connectTimeout: 5 seconds}"));
    assertEquals(
        "cluster.outlierDetection.preset: unknown outlier detection preset 'strict' (expected"
            + " small-pool, nginx, envoy or off)",
        error("cluster: {outlierDetection: {preset: strict}}"));
    assertEquals(
        "listener.modelHeader: 'x model' is not a valid header name",
        error("listener: {modelHeader: 'x model'}"));
    assertEquals(
        "discovery.source: unknown discovery source 'zookeeper' (expected file or consul)",
        error("discovery: {source: zookeeper}"));
    assertEquals(
        "reconciler.maxWait: must not be shorter than debounce",
        error("reconciler: {debounce: 2s, maxWait: 1s}"));
    assertEquals(
        "locality.regionFailover.r1: must not list the region itself",
        error("locality: {regionFailover: {r1: [r1, r2]}}"));
    assertEquals(
        "xds.tls.keyFile: is required when tls is set",
        error("xds: {tls: {certFile: /etc/hostname}}"));
  }

  @Test
  void unknownFieldsAreRejectedWithTheKnownOnesListed() {
    String e = error("cluster: {leastRequst: {}}");
    assertEquals(
        "cluster.leastRequst: unknown field (known fields here: affinity, circuitBreakers, connectTimeout,"
            + " healthCheck, healthyPanicThreshold, leastRequest, outlierDetection,"
            + " overprovisioningFactor, proxylessDegradedAs, slowStart, updateMergeWindow)",
        e);
  }

  @Test
  void syntaxErrorsGiveTheLine() {
    String e = error("xds:\n  port: 1\n bad indentation: [");
    assertEquals(true, e.startsWith("not valid YAML at line"), e);
  }

  @Test
  void relativePathsResolveAgainstTheConfigFilesFolder() throws Exception {
    Path file = dir.resolve("llm-xds.yaml");
    Files.writeString(file, "discovery: {file: {path: fleet.yaml}}");
    assertEquals(dir.resolve("fleet.yaml"), ConfigLoader.load(file).discovery().file().path());
    assertEquals(
        "config file " + dir.resolve("missing.yaml") + " does not exist",
        assertThrows(ConfigException.class, () -> ConfigLoader.load(dir.resolve("missing.yaml")))
            .getMessage());
  }

  @Test
  void consulSettingsAreValidatedAndTheTokenComesFromEnvOrFile() throws Exception {
    ConsulConfig c = ConfigLoader.parse("discovery: {source: consul}", null).discovery().consul();
    assertEquals("http://127.0.0.1:8500", c.address().toString());
    assertEquals(Duration.ofMinutes(5), c.blockingWait());
    assertEquals("llm", c.tag());
    assertEquals("t0k", c.resolveToken(java.util.Map.of("CONSUL_HTTP_TOKEN", " t0k\n")));
    assertEquals("", c.resolveToken(java.util.Map.of()));
    Path tokenFile = dir.resolve("token");
    Files.writeString(tokenFile, "from-file\n");
    ConsulConfig withFile =
        ConfigLoader.parse("discovery: {consul: {tokenFile: token}}", dir).discovery().consul();
    assertEquals("from-file", withFile.resolveToken(java.util.Map.of("CONSUL_HTTP_TOKEN", "env")));
    assertEquals(
        "discovery.consul.address: must be an http:// or https:// URL such as"
            + " http://127.0.0.1:8500, got consul:8500",
        error("discovery: {consul: {address: 'consul:8500'}}"));
    assertEquals(
        "discovery.consul.blockingWait: Consul caps blocking queries at 10m",
        error("discovery: {consul: {blockingWait: 11m}}"));
  }

  @Test
  void hostileConfigsGetAClearErrorNotASpinOrAGuess() throws Exception {
    assertEquals(
        "discovery.file.pollInterval: must be at least 10ms, got 500000ns",
        error("discovery: {file: {pollInterval: 0.5ms}}"));
    assertEquals(
        "load.interval: must be at least 10ms, got 1ns", error("load: {interval: 0.000001ms}"));
    assertEquals(
        "weights.staleAfter: must be at least 1ms, got 100000ns",
        error("weights: {staleAfter: 0.1ms}"));
    String duplicate = error("xds:\n  port: 1\n  port: 2\n");
    assertEquals(true, duplicate.contains("Duplicate field 'port'"), duplicate);
    assertEquals(
        "discovery.consul.address: must not carry credentials (user:password@); use"
            + " consul.tokenFile or the token environment variable",
        error("discovery: {consul: {address: 'http://admin:s3cret@127.0.0.1:8500'}}"));

    Path binary = dir.resolve("binary.yaml");
    Files.write(binary, new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1, 2});
    assertEquals(
        "config file " + binary + " is not UTF-8 text",
        assertThrows(ConfigException.class, () -> ConfigLoader.load(binary)).getMessage());
    Path huge = dir.resolve("huge.yaml");
    Files.writeString(huge, "# " + "x".repeat(2 * 1024 * 1024));
    String tooBig = assertThrows(ConfigException.class, () -> ConfigLoader.load(huge)).getMessage();
    assertEquals(true, tooBig.contains("over the limit of 1048576"), tooBig);
  }
}
