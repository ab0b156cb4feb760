package dev.llmxds.testing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A second, independent proxyless xDS client: grpc-js with grpc-js-xds, run as {@code node
 * src/test/node/xds-client.js} and driven over its stdin/stdout line protocol. One process is one
 * xDS client (grpc-js-xds reads its bootstrap once per process). Its stderr (grpc-js's trace when
 * started with {@code trace}) is kept, bounded, for failure messages.
 */
public final class GrpcJsClient implements AutoCloseable {
  /** The Node program and its {@code node_modules} ({@code npm ci} there installs them). */
  public static final Path DIR = Path.of("src", "test", "node").toAbsolutePath();

  /** Per-RPC deadline the client applies, so no call hangs. */
  public static final Duration CALL_DEADLINE = Duration.ofSeconds(2);

  private static final int STDERR_LIMIT = 256 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String EXITED = "\u0000exited";
  private static volatile Boolean available;

  private final Process process;
  private final Writer stdin;
  private final BlockingQueue<String> answers = new LinkedBlockingQueue<>();
  private final StringBuilder stderr = new StringBuilder();
  private long stderrDropped;
  private final Thread outReader;
  private final Thread errReader;

  /** What {@code call N} answered: RPCs per backend name, failures per status code. */
  public record Calls(Map<String, Integer> ok, Map<String, Integer> errors, String lastError) {
    public int failed() {
      return errors.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /**
   * True when {@code node} runs and the npm packages are installed; tests assume it so they are
   * skipped, not failed, without Node.
   */
  public static boolean available() {
    Boolean a = available;
    if (a == null) {
      a =
          Files.isRegularFile(DIR.resolve("node_modules/@grpc/grpc-js-xds/package.json"))
              && nodeRuns();
      available = a;
    }
    return a;
  }

  private static boolean nodeRuns() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      p.getOutputStream().close();
      p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /**
   * The bootstrap grpc-js gets: as {@link XdsClients#bootstrap} builds it for grpc-java (node id,
   * region and zone, llm-xds on loopback, insecure) with no server features.
   */
  public static Map<String, Object> bootstrap(
      int xdsPort, String nodeId, String region, String zone) {
    Map<String, Object> locality = zone == null ? Map.of() : Map.of("region", region, "zone", zone);
    return Map.of(
        "xds_servers",
        List.of(
            Map.of(
                "server_uri",
                "127.0.0.1:" + xdsPort,
                "channel_creds",
                List.of(Map.of("type", "insecure")),
                "server_features",
                List.of())),
        "node",
        Map.of("id", nodeId, "locality", locality));
  }

  /**
   * Starts a client of {@code xds:///<service>} with {@code bootstrap} (passed inline in {@code
   * GRPC_XDS_BOOTSTRAP_CONFIG}); with {@code trace}, grpc-js logs its xDS client and resolver at
   * DEBUG to stderr. Returns once the program has loaded grpc-js and created its channel.
   */
  public static GrpcJsClient start(String service, Map<String, Object> bootstrap, boolean trace) {
    List<String> command = new ArrayList<>(List.of("node", "xds-client.js"));
    command.add("--deadline-ms");
    command.add(Long.toString(CALL_DEADLINE.toMillis()));
    if (trace) {
      command.add("--trace");
    }
    command.add("xds:///" + service);
    ProcessBuilder pb = new ProcessBuilder(command).directory(DIR.toFile());
    Map<String, String> env = pb.environment();
    env.remove("GRPC_XDS_BOOTSTRAP");
    env.remove("GRPC_TRACE");
    env.remove("GRPC_VERBOSITY");
    env.remove("GRPC_NODE_TRACE");
    env.remove("GRPC_NODE_VERBOSITY");
    try {
      env.put("GRPC_XDS_BOOTSTRAP_CONFIG", JSON.writeValueAsString(bootstrap));
      GrpcJsClient client = new GrpcJsClient(pb.start());
      JsonNode started = client.next(Duration.ofSeconds(30));
      if (!started.path("started").asBoolean()) {
        client.close();
        throw new IllegalStateException("grpc-js client did not start: " + started);
      }
      return client;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private GrpcJsClient(Process process) {
    this.process = process;
    this.stdin = process.outputWriter(StandardCharsets.UTF_8);
    this.outReader =
        daemon(
            "grpc-js-stdout",
            () -> {
              try (BufferedReader r = process.inputReader(StandardCharsets.UTF_8)) {
                for (String line; (line = r.readLine()) != null; ) {
                  answers.add(line);
                }
              } catch (IOException e) {
                // the process is gone; EXITED below says so
              } finally {
                answers.add(EXITED);
              }
            });
    this.errReader =
        daemon(
            "grpc-js-stderr",
            () -> {
              char[] buf = new char[8192];
              try (Reader r =
                  new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)) {
                for (int n; (n = r.read(buf)) >= 0; ) {
                  appendStderr(buf, n);
                }
              } catch (IOException e) {
                // the process is gone
              }
            });
  }

  private static Thread daemon(String name, Runnable body) {
    Thread t = new Thread(body, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private synchronized void appendStderr(char[] buf, int n) {
    stderr.append(buf, 0, n);
    int excess = stderr.length() - STDERR_LIMIT;
    if (excess > 0) {
      stderr.delete(0, excess);
      stderrDropped += excess;
    }
  }

  /** The last (at most 256 KiB of) stderr, with a count of what was dropped before it. */
  public synchronized String stderr() {
    return (stderrDropped > 0 ? "[" + stderrDropped + " earlier chars dropped]\n" : "") + stderr;
  }

  /**
   * The last {@code maxLines} log lines of stderr (grpc-js's {@code D|I|E <time> | ...} lines and
   * anything else not indented), each clipped to 300 characters: the multi-line resource dumps of
   * the DEBUG trace are left out.
   */
  public String logTail(int maxLines) {
    String all = stderr();
    List<String> lines = new ArrayList<>();
    for (String line : all.split("\n")) {
      if (line.isBlank()
          || Character.isWhitespace(line.charAt(0))
          || "{}[]".indexOf(line.charAt(0)) >= 0) {
        continue;
      }
      lines.add(line.length() > 300 ? line.substring(0, 300) + "…" : line);
    }
    List<String> tail = lines.subList(Math.max(0, lines.size() - maxLines), lines.size());
    return (tail.size() < lines.size() ? "…\n" : "") + String.join("\n", tail);
  }

  /** Makes {@code n} RPCs of {@link TestBackend#WHO}, one after the other. */
  public Calls call(int n) {
    return call(n, null, null);
  }

  /**
   * As {@link #call(int)}, each RPC with the request header {@code header: value} (no whitespace in
   * either) when {@code header} is not null.
   */
  public Calls call(int n, String header, String value) {
    String line = "call " + n;
    if (header != null) {
      if (header.isBlank() || value.isBlank() || (header + value).matches(".*\\s.*")) {
        throw new IllegalArgumentException("header and value must be non-empty words");
      }
      line += " " + header + " " + value;
    }
    JsonNode a = command(line, CALL_DEADLINE.multipliedBy(n).plusSeconds(10));
    if (!a.has("ok")) {
      throw new IllegalStateException("grpc-js client: " + a);
    }
    return new Calls(counts(a.get("ok")), counts(a.get("errors")), a.path("lastError").textValue());
  }

  /** The channel's connectivity state ({@code IDLE}, {@code READY}, ...). */
  public String state() {
    return command("state", Duration.ofSeconds(10)).path("state").asText();
  }

  private static Map<String, Integer> counts(JsonNode object) {
    Map<String, Integer> m = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asInt()));
    return m;
  }

  private JsonNode command(String line, Duration timeout) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException e) {
      throw new IllegalStateException(
          "grpc-js client gone (" + e + "); stderr:\n" + logTail(40), e);
    }
    return next(timeout);
  }

  private JsonNode next(Duration timeout) {
    String line;
    try {
      line = answers.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    if (line == null) {
      throw new IllegalStateException(
          "grpc-js client did not answer within " + timeout + "; stderr:\n" + logTail(40));
    }
    if (line.equals(EXITED)) {
      answers.add(EXITED);
      waitForExit();
      throw new IllegalStateException(
          "grpc-js client exited ("
              + (process.isAlive() ? "running" : "status " + process.exitValue())
              + "); stderr:\n"
              + logTail(40));
    }
    try {
      return JSON.readTree(line);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("grpc-js client printed " + line, e);
    }
  }

  private void waitForExit() {
    try {
      process.waitFor(5, TimeUnit.SECONDS);
      errReader.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Asks the program to quit, then kills it if it has not exited within 5 s. */
  @Override
  public void close() {
    try {
      stdin.write("quit\n");
      stdin.close();
    } catch (IOException e) {
      // already gone
    }
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
      outReader.join(TimeUnit.SECONDS.toMillis(5));
      errReader.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }
}
