package dev.llmxds.discovery.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.llmxds.discovery.DiscoveryStatus;
import dev.llmxds.fleet.EndpointHealth;
import dev.llmxds.fleet.Fleet;
import dev.llmxds.testing.Await;
import dev.llmxds.testing.consul.ConsulControl;
import dev.llmxds.testing.consul.ConsulControl.Registration;
import dev.llmxds.testing.consul.ConsulDouble;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/**
 * Consul faults against the double: whatever goes wrong, the last known-good fleet stays, the error
 * is recorded, and the source recovers within one cycle once Consul answers again.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ConsulFaultTest {
  private ConsulDouble consulDouble;
  private ConsulControl consul;
  private ConsulSourceHarness harness;
  private ListAppender<ILoggingEvent> captured;

  @BeforeEach
  void start() {
    consulDouble = new ConsulDouble();
    consul = new ConsulControl(consulDouble.address());
    consul.register(new Registration("llama-1", "llama", 8001).address("10.0.0.1"));
  }

  @AfterEach
  void stop() {
    if (captured != null) {
      ((Logger) LoggerFactory.getLogger(ConsulFleetSource.class)).detachAppender(captured);
    }
    if (harness != null) {
      harness.close();
    }
    consulDouble.close();
  }

  private void startSource(String extraYaml, Map<String, String> env) {
    harness =
        new ConsulSourceHarness(ConsulSourceHarness.config(consulDouble.address(), extraYaml), env);
    harness.awaitFleet("first fleet", f -> ConsulSourceHarness.hasService(f, "llama"));
  }

  /**
   * Waits until the source records a failure whose message contains {@code text}. (It may have
   * recovered already: the retry after an error does not block.)
   */
  private void awaitError(String text) {
    Await.until(
        ConsulSourceHarness.CYCLE,
        () -> {
          DiscoveryStatus status = harness.source.status();
          return status.errors() > 0 && status.lastError().contains(text);
        },
        () -> "error containing '" + text + "', status " + harness.source.status());
  }

  /** The fleet is unchanged by the fault, and a change made after recovery gets through. */
  private void assertKeptThenRecovers(Fleet before, int newPort) {
    assertEquals(before, harness.latest(), "known-good fleet kept");
    consul.register(new Registration("llama-" + newPort, "llama", newPort).address("10.0.0.9"));
    harness.awaitEndpoint("llama", newPort, e -> true);
    Await.until(
        ConsulSourceHarness.CYCLE,
        () -> !harness.source.status().failing(),
        () -> "recovered: " + harness.source.status());
    assertEquals(8001, harness.endpoint("llama", 8001).orElseThrow().port(), "nothing lost");
  }

  @Test
  void outageDuringAWatchKeepsTheFleetAndRecovers() {
    startSource("", Map.of());
    Fleet before = harness.latest();
    consulDouble.down(true);
    awaitError("cannot reach Consul");
    consulDouble.down(false);
    assertKeptThenRecovers(before, 8101);
  }

  @Test
  void serverErrorsAndForbiddenAreRecordedAndSurvived() {
    startSource("", Map.of());
    Fleet before = harness.latest();
    consulDouble.failNext(3, 500, "rpc error: No cluster leader");
    consulDouble.requireToken("not-ours");
    consul.pass("llama-1"); // wake the blocked watches so they query again
    awaitError("HTTP 403: Permission denied");
    consulDouble.requireToken(null);
    assertKeptThenRecovers(before, 8102);
  }

  @Test
  void anAnswerOverTheSizeCapIsAnErrorAndTheFleetIsKept() {
    startSource("maxResponseBytes: 4096", Map.of());
    Fleet before = harness.latest();
    List<Map<String, Object>> big = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      big.add(
          new Registration("llama-big-" + i, "llama", 9000 + i)
              .address("10.0.1." + (i + 1))
              .body());
    }
    consulDouble.registerAll(big); // one change: the next answer is over the cap
    awaitError("larger than 4096 bytes");
    assertEquals(before, harness.latest(), "known-good fleet kept");
    for (int i = 0; i < 40; i++) {
      consul.deregister("llama-big-" + i);
    }
    Await.until(
        ConsulSourceHarness.CYCLE,
        () -> !harness.source.status().failing(),
        () -> "recovered: " + harness.source.status());
  }

  @Test
  void malformedBodiesAreErrorsNotEmptyFleets() {
    startSource("", Map.of());
    Fleet before = harness.latest();
    consulDouble.garbageNext(2);
    consul.pass("llama-1");
    awaitError("malformed JSON");
    assertKeptThenRecovers(before, 8103);
  }

  @Test
  void afterAnErrorTheRetryDoesNotBlockSoRecoveryIsSeenWithoutAChange() {
    startSource("", Map.of());
    Fleet before = harness.latest();
    consulDouble.garbageNext(1);
    consul.pass("llama-1");
    awaitError("malformed JSON");
    // nothing changes in Consul from here on; the blocking wait (60 s) outlasts this wait
    Await.until(
        ConsulSourceHarness.CYCLE,
        () -> !harness.source.status().failing(),
        () -> "recovered without a change: " + harness.source.status());
    assertEquals(before, harness.latest(), "known-good fleet kept");
  }

  @Test
  void anAnswerSlowerThanTheWaitTimesOutAndIsRetried() {
    startSource("blockingWait: 1s", Map.of());
    Fleet before = harness.latest();
    consulDouble.delayNext(Duration.ofSeconds(8)); // beyond wait + wait/16 + 2 s
    awaitError("no answer in time");
    assertKeptThenRecovers(before, 8104);
  }

  @Test
  void anIndexGoingBackwardsIsResetSoChangesStillArrive() {
    startSource("", Map.of());
    Await.until(
        ConsulSourceHarness.CYCLE,
        () -> consulDouble.blockedQueries() == 2,
        "catalog and health watches both blocked");
    int before = consulDouble.requests().size();
    consulDouble.resetIndex(2);
    // the watches hold index ~12; with the reset rule they requery from 0 and see index 3 onwards
    consul.register(new Registration("llama-2", "llama", 8002).address("10.0.0.2"));
    harness.awaitEndpoint("llama", 8002, e -> true);
    assertTrue(
        consulDouble.requests().stream()
            .anyMatch(r -> r.path().startsWith("/v1/health") && !r.query().containsKey("index")),
        "a non-blocking query (index 0) followed the reset");
  }

  @Test
  void aFlappingCheckEndsInItsFinalStateWithoutSpinningTheLoop() {
    startSource("minInterval: 100ms", Map.of());
    long started = System.nanoTime();
    int before = consulDouble.requests().size();
    for (int i = 0; i < 30; i++) {
      if (i % 2 == 0) {
        consul.fail("llama-1");
      } else {
        consul.pass("llama-1");
      }
    }
    consul.fail("llama-1");
    harness.awaitEndpoint("llama", 8001, e -> e.health() == EndpointHealth.UNHEALTHY);
    double seconds = (System.nanoTime() - started) / 1e9;
    long reads =
        consulDouble.requests().subList(before, consulDouble.requests().size()).stream()
            .filter(r -> r.path().startsWith("/v1/health/"))
            .count();
    assertTrue(
        reads <= seconds / 0.1 + 3,
        reads + " health reads in " + seconds + " s: rate limit broken");
  }

  @Test
  void tokenDatacenterAndStaleAreSentAsConsulExpects() {
    consulDouble.requireToken("s3cret");
    startSource(
        "datacenter: dc1\n    stale: true\n    tokenEnv: MY_TOKEN", Map.of("MY_TOKEN", "s3cret"));
    ConsulDouble.Request r = consulDouble.requests().get(consulDouble.requests().size() - 1);
    assertEquals("s3cret", r.token());
    assertEquals("dc1", r.query().get("dc"));
    assertTrue(r.query().containsKey("stale"));
    assertNull(r.query().get("token"), "the token never travels in the URL");
  }

  @Test
  void startingWhileConsulIsDownDeliversNothingUntilItAnswers() {
    consulDouble.down(true);
    harness =
        new ConsulSourceHarness(ConsulSourceHarness.config(consulDouble.address(), ""), Map.of());
    awaitError("cannot reach Consul");
    assertTrue(harness.fleets.isEmpty(), "no empty fleet is published while Consul is unreadable");
    consulDouble.down(false);
    harness.awaitFleet(
        "first fleet after Consul came up", f -> ConsulSourceHarness.hasService(f, "llama"));
  }

  @Test
  void anAnswerThatStallsAfterItsHeadersTimesOutAndIsRetried() {
    startSource("blockingWait: 1s", Map.of());
    Fleet before = harness.latest();
    consulDouble.stallNext(1);
    long started = System.nanoTime();
    awaitError("no answer in time");
    assertTrue(
        System.nanoTime() - started < TimeUnit.SECONDS.toNanos(8),
        "within the deadline (wait 1s + wait/16 + 2 s), plus one blocking wait to reach it, plus slack");
    assertKeptThenRecovers(before, 8105);
  }

  /** Log lines of ConsulFleetSource, captured until the test ends. */
  private ListAppender<ILoggingEvent> captureWarnings() {
    Logger logger = (Logger) LoggerFactory.getLogger(ConsulFleetSource.class);
    ListAppender<ILoggingEvent> appender = new ListAppender<>();
    appender.start();
    logger.addAppender(appender);
    captured = appender;
    return appender;
  }

  private static long warningsContaining(ListAppender<ILoggingEvent> appender, String text) {
    return appender.list.stream()
        .filter(e -> e.getLevel() == Level.WARN && e.getFormattedMessage().contains(text))
        .count();
  }

  @Test
  void aServiceNameOver128CharactersIsSkippedAndEverythingElseFlows() {
    ListAppender<ILoggingEvent> warnings = captureWarnings();
    String longName = "gpu".repeat(43); // 129 characters
    consul.register(new Registration("bad-1", longName, 9001).address("10.0.0.5"));
    startSource("", Map.of()); // the first fleet arrives despite the bad entry
    consul.fail("llama-1");
    harness.awaitEndpoint("llama", 8001, e -> e.health() == EndpointHealth.UNHEALTHY);
    DiscoveryStatus status = harness.source.status();
    assertFalse(status.failing(), status.toString());
    assertEquals(1, status.skipped().size(), status.toString());
    assertTrue(status.skipped().get(0).contains("skipped: service name"), status.toString());
    assertTrue(status.skipped().get(0).length() < 600, "the hostile name is cut in the report");
    consul.pass("llama-1");
    harness.awaitEndpoint("llama", 8001, e -> e.health() == EndpointHealth.HEALTHY);
    assertEquals(1, warningsContaining(warnings, "gpugpugpu"), "logged once: " + warnings.list);

    consul.deregister("bad-1");
    Await.until(
        ConsulSourceHarness.CYCLE,
        () -> harness.source.status().skipped().isEmpty(),
        () -> "resolved: " + harness.source.status());
  }

  @Test
  void aModelClaimedByTwoServicesGoesToTheNameThatSortsFirst() {
    startSource("", Map.of());
    consul.register(
        new Registration("b-1", "b-svc", 9002)
            .address("10.0.0.6")
            .meta(Map.of("llm-xds-models", "shared, b-only")));
    consul.register(
        new Registration("a-1", "a-svc", 9003)
            .address("10.0.0.7")
            .meta(Map.of("llm-xds-models", "shared")));
    Fleet fleet =
        harness.awaitFleet(
            "both services", f -> f.service("a-svc").isPresent() && f.service("b-svc").isPresent());
    assertEquals(List.of("shared"), fleet.service("a-svc").orElseThrow().models());
    assertEquals(List.of("b-only"), fleet.service("b-svc").orElseThrow().models());
    assertTrue(
        harness.source.status().skipped().stream()
            .anyMatch(p -> p.contains("'shared' is claimed by 'a-svc' and 'b-svc'")),
        harness.source.status().toString());

    consul.fail("llama-1"); // health changes still flow while the conflict stands
    harness.awaitEndpoint("llama", 8001, e -> e.health() == EndpointHealth.UNHEALTHY);
    assertFalse(harness.source.status().failing());
  }

  @Test
  void aCatalogThatSuddenlyListsNothingKeepsTheLastGoodFleet() {
    startSource("", Map.of());
    Fleet before = harness.latest();
    consul.deregister("llama-1");
    awaitError("no usable inference service");
    assertEquals(before, harness.latest(), "known-good fleet kept");
    assertTrue(harness.source.status().failing());
    consul.register(new Registration("llama-2", "llama", 8002).address("10.0.0.2"));
    harness.awaitEndpoint("llama", 8002, e -> true);
    Await.until(
        ConsulSourceHarness.CYCLE,
        () -> !harness.source.status().failing(),
        () -> "recovered: " + harness.source.status());
  }

  @Test
  void withAllowEmptyAnEmptyCatalogIsPublished() {
    startSource("allowEmpty: true", Map.of());
    consul.deregister("llama-1");
    harness.awaitFleet("empty fleet", f -> f.services().isEmpty());
    assertFalse(harness.source.status().failing());
  }

  @Test
  void anOutageSeenByManyWatchesIsLoggedOnceNotOncePerRetry() {
    consul.register(new Registration("qwen-1", "qwen", 8201).address("10.0.0.3"));
    consul.register(new Registration("mistral-1", "mistral", 8301).address("10.0.0.4"));
    startSource("", Map.of());
    harness.awaitFleet("all three", f -> f.services().size() == 3);
    ListAppender<ILoggingEvent> warnings = captureWarnings();
    consulDouble.down(true);
    Await.until(
        ConsulSourceHarness.CYCLE,
        () -> harness.source.status().errors() >= 30,
        () -> "many failed reads: " + harness.source.status());
    consulDouble.down(false);
    assertEquals(
        1, warningsContaining(warnings, "cannot reach Consul"), "one line: " + warnings.list);
  }
}
