package dev.llmxds.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A bad file or flag stops start-up with one line naming the field, and no stack trace. */
class MainTest {
  @TempDir Path dir;
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private PrintStream originalErr;

  @BeforeEach
  void captureStderr() {
    originalErr = System.err;
    System.setErr(new PrintStream(stderr, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStderr() {
    System.setErr(originalErr);
  }

  private String run(int expectedExit, String... args) {
    StringWriter picocliErr = new StringWriter();
    int exit = Main.run(args, new PrintWriter(picocliErr, true));
    String out = stderr.toString(StandardCharsets.UTF_8) + picocliErr;
    assertEquals(expectedExit, exit, out);
    return out.strip();
  }

  @Test
  void badConfigFieldIsOneLine() throws Exception {
    Path config = dir.resolve("c.yaml");
    Files.writeString(config, "cluster:\n  overprovisioningFactor: 0\n");
    assertEquals(
        "llm-xds: config error: cluster.overprovisioningFactor: must be between 1 and 100000, got 0",
        run(2, "--config", config.toString()));
  }

  @Test
  void badFlagValueIsOneLine() {
    assertEquals(
        "llm-xds: config error: --xds-port: must be between 0 and 65535, got 70000",
        run(2, "--xds-port", "70000"));
  }

  @Test
  void badFleetFileIsOneLine() throws Exception {
    Path fleet = dir.resolve("fleet.yaml");
    Files.writeString(
        fleet, "services: [{name: a, endpoints: [{address: 10.0.0.1, port: 1, weight: 0}]}]");
    assertEquals(
        "llm-xds: discovery error: file:"
            + fleet
            + ": services[0].endpoints[0].weight: weight must be 1..10000, got 0",
        run(2, "--fleet", fleet.toString(), "--xds-port", "0"));
  }

  @Test
  void aPortInUseIsNamedRight() throws Exception {
    Path fleet = dir.resolve("fleet.yaml");
    Files.writeString(
        fleet, "services: [{name: a, endpoints: [{address: 127.0.0.1, port: 1, weight: 1}]}]");
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      String out =
          run(
              1,
              "--fleet",
              fleet.toString(),
              "--xds-port",
              "0",
              "--admin-port",
              String.valueOf(taken.getLocalPort()));
      assertTrue(
          out.startsWith("llm-xds: cannot listen on admin 127.0.0.1:" + taken.getLocalPort()), out);
    }
  }

  @Test
  void unknownFlagIsReported() {
    String out = run(2, "--no-such-flag");
    assertEquals("Unknown option: '--no-such-flag'", out.lines().findFirst().orElseThrow());
  }
}
