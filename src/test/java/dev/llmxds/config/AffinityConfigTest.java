package dev.llmxds.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code cluster.affinity}: defaults, and one line naming the field for every bad combination. */
class AffinityConfigTest {
  private static AffinityConfig parse(String affinity) {
    return ConfigLoader.parse("cluster: {affinity: " + affinity + "}", null).cluster().affinity();
  }

  private static String error(String affinity) {
    return assertThrows(ConfigException.class, () -> parse(affinity)).getMessage();
  }

  @Test
  void offByDefaultWithDocumentedDefaults() {
    AffinityConfig a = ConfigLoader.parse("", null).cluster().affinity();
    assertFalse(a.enabled());
    assertEquals("x-session-id", a.header());
    assertNull(a.cookie());
    assertEquals("ring-hash", a.lb());
    assertEquals(150, a.hashBalanceFactor());
    assertEquals(1024, a.minRingSize());
    assertEquals(8_388_608, a.maxRingSize());
    assertEquals(65_537, a.tableSize());
  }

  @Test
  void namingAKeyTurnsItOnUnlessDisabled() {
    assertTrue(parse("{header: X-User-Id}").enabled());
    assertEquals("x-user-id", parse("{header: X-User-Id}").header());
    assertTrue(parse("{cookie: sid}").enabled());
    assertNull(parse("{cookie: sid}").header());
    assertFalse(parse("{header: x-user-id, enabled: false}").enabled());
    assertTrue(parse("{enabled: true}").enabled());
    assertEquals("maglev", parse("{lb: MAGLEV}").lb());
    assertEquals("ring-hash", parse("{lb: ring_hash}").lb());
    assertEquals(Duration.ZERO, parse("{cookie: sid, cookieTtl: 0s}").cookieTtl());
  }

  @Test
  void invalidCombinationsAreRejectedWithOneLineNamingTheField() {
    assertEquals(
        "cluster.affinity.cookie: set either header or cookie, not both",
        error("{header: x-session-id, cookie: sid}"));
    assertEquals(
        "cluster.affinity.lb: must be ring-hash or maglev, got 'random'", error("{lb: random}"));
    assertEquals(
        "cluster.affinity.hashBalanceFactor: must be between 100 and 100000, got 99",
        error("{hashBalanceFactor: 99}"));
    assertEquals(
        "cluster.affinity.minRingSize: must not exceed maxRingSize (1024), got 2048",
        error("{minRingSize: 2048, maxRingSize: 1024}"));
    assertEquals(
        "cluster.affinity.maxRingSize: must be between 1 and 8388608, got 8388609",
        error("{maxRingSize: 8388609}"));
    assertEquals(
        "cluster.affinity.tableSize: must be a prime number up to 5000011, got 65536",
        error("{lb: maglev, tableSize: 65536}"));
    assertEquals(
        "cluster.affinity.tableSize: applies only with lb: maglev", error("{tableSize: 65537}"));
    assertEquals(
        "cluster.affinity.cookieTtl: applies only with a cookie",
        error("{header: x-a, cookieTtl: 1h}"));
    assertTrue(error("{header: 'x session'}").startsWith("cluster.affinity.header: must be"));
    assertTrue(error("{header: x-trace-bin}").startsWith("cluster.affinity.header: binary"));
    assertTrue(error("{cookie: 'a;b'}").startsWith("cluster.affinity.cookie: must be"));
    assertTrue(error("{ring: 1}").startsWith("cluster.affinity.ring: unknown field"));
  }

  @Test
  void primes() {
    assertTrue(AffinityConfig.isPrime(65_537));
    assertTrue(AffinityConfig.isPrime(5_000_011));
    assertTrue(AffinityConfig.isPrime(2));
    assertFalse(AffinityConfig.isPrime(1));
    assertFalse(AffinityConfig.isPrime(65_535));
  }

  @Test
  void theExampleConfigSpellsOutTheDefaults() {
    AffinityConfig example =
        ConfigLoader.load(java.nio.file.Path.of("examples/llm-xds.yaml")).cluster().affinity();
    assertEquals(ConfigLoader.parse("", null).cluster().affinity(), example);
  }
}
