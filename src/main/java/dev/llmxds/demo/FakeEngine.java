package dev.llmxds.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.llmxds.util.DaemonThreads;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * A stand-in for a vLLM server, for the demo, tests and benchmarks: {@link EngineModel} run in real
 * time behind HTTP. Serves {@code /v1/completions} (plain and streaming), {@code /health} (200,
 * empty body) and {@code /metrics} in vLLM V1's format (names, labels and types as vLLM emits
 * them).
 */
public final class FakeEngine implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final double[] TTFT_BUCKETS = {
    0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
    20.0, 40.0, 80.0, 160.0
  };
  private static final double[] E2E_BUCKETS = {
    0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0, 240.0,
    480.0, 960.0, 1920.0, 7680.0
  };
  private static final int END = -1;

  private final String model;
  private final EngineModel engine;
  private final HttpServer server;
  private final ExecutorService executor =
      Executors.newCachedThreadPool(DaemonThreads.named("fake-engine-http"));
  private final Thread loop;
  private final Map<Long, Pending> pending = new HashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final double createdSeconds = System.currentTimeMillis() / 1000.0;
  private final long[] ttftCounts = new long[TTFT_BUCKETS.length];
  private final long[] e2eCounts = new long[E2E_BUCKETS.length];
  private double ttftSum;
  private double e2eSum;
  private long successTotal;
  // The model's counters as of the last step the GPU finished (the model counts when it plans one).
  private long promptTokensTotal;
  private long generationTokensTotal;
  private long preemptionsTotal;
  private volatile boolean closed;

  private record Pending(long submittedNanos, BlockingQueue<Integer> events) {}

  public FakeEngine(String model, EngineModel.Spec spec, String host, int port) {
    this.model = model;
    this.engine = new EngineModel(spec);
    try {
      this.server = HttpServer.create(new InetSocketAddress(host, port), 1024);
    } catch (IOException e) {
      throw new UncheckedIOException("fake engine cannot listen on " + host + ":" + port, e);
    }
    server.setExecutor(executor);
    server.createContext(
        "/metrics", ex -> respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", metrics()));
    server.createContext("/health", ex -> respond(ex, 200, "text/plain", ""));
    server.createContext("/v1/completions", this::completions);
    server.start();
    loop = new Thread(this::run, "fake-engine-" + port());
    loop.setDaemon(true);
    loop.start();
  }

  public int port() {
    return server.getAddress().getPort();
  }

  public String model() {
    return model;
  }

  /** Changes the GPU's speed from its next step on (the demo's "slow this GPU down"). */
  public synchronized void setSpeed(double speed) {
    engine.setSpeed(speed);
  }

  public synchronized double speed() {
    return engine.spec().speed();
  }

  public synchronized int running() {
    return engine.running();
  }

  public synchronized int waiting() {
    return engine.waiting();
  }

  /** Queues a request directly (no HTTP); returns its events: token indexes, then -1 at the end. */
  public BlockingQueue<Integer> submit(int promptTokens, int maxTokens) {
    long id = ids.incrementAndGet();
    Pending p = new Pending(System.nanoTime(), new LinkedBlockingQueue<>());
    synchronized (this) {
      engine.submit(new EngineModel.Request(id, promptTokens, maxTokens));
      pending.put(id, p);
      notifyAll();
    }
    return p.events();
  }

  private void run() {
    while (!closed) {
      EngineModel.Step step;
      synchronized (this) {
        while (engine.idle() && !closed) {
          try {
            wait();
          } catch (InterruptedException e) {
            return;
          }
        }
        if (closed) {
          return;
        }
        step = engine.step();
      }
      LockSupport.parkNanos(step.durationNanos()); // the GPU computing this step
      long now = System.nanoTime();
      synchronized (this) {
        promptTokensTotal = engine.promptTokensTotal();
        generationTokensTotal = engine.generationTokensTotal();
        preemptionsTotal = engine.preemptionsTotal();
        for (long id : step.firstTokens()) {
          Pending p = pending.get(id);
          double ttft = (now - p.submittedNanos()) / 1e9;
          ttftSum += ttft;
          observe(TTFT_BUCKETS, ttftCounts, ttft);
        }
        for (long id : step.tokens()) {
          Pending p = pending.get(id);
          p.events().add(1);
        }
        for (long id : step.finished()) {
          Pending p = pending.remove(id);
          double e2e = (now - p.submittedNanos()) / 1e9;
          e2eSum += e2e;
          observe(E2E_BUCKETS, e2eCounts, e2e);
          successTotal++;
          p.events().add(END);
        }
      }
    }
  }

  private static void observe(double[] buckets, long[] counts, double value) {
    for (int i = 0; i < buckets.length; i++) {
      if (value <= buckets[i]) {
        counts[i]++;
        return;
      }
    }
  }

  /** The vLLM V1 exposition of the current state. */
  public synchronized String metrics() {
    String labels =
        "engine=\"0\",model_name=\"" + model.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    StringBuilder b = new StringBuilder(4096);
    gauge(
        b,
        "vllm:num_requests_running",
        "Number of requests in model execution batches.",
        labels,
        engine.running());
    gauge(
        b,
        "vllm:num_requests_waiting",
        "Number of requests waiting to be processed.",
        labels,
        engine.waiting());
    gauge(
        b,
        "vllm:kv_cache_usage_perc",
        "KV-cache usage. 1 means 100 percent usage.",
        labels,
        engine.kvUsage());
    counter(
        b,
        "vllm:num_preemptions",
        "Cumulative number of preemption from the engine.",
        labels,
        preemptionsTotal);
    counter(
        b, "vllm:prompt_tokens", "Number of prefill tokens processed.", labels, promptTokensTotal);
    counter(
        b,
        "vllm:generation_tokens",
        "Number of generation tokens processed.",
        labels,
        generationTokensTotal);
    b.append("# HELP vllm:request_success_total Count of successfully processed requests.\n");
    b.append("# TYPE vllm:request_success_total counter\n");
    for (String reason : List.of("stop", "length", "abort")) {
      String l = "engine=\"0\",finished_reason=\"" + reason + "\",model_name=\"" + model + "\"";
      b.append("vllm:request_success_total{")
          .append(l)
          .append("} ")
          .append(num(reason.equals("length") ? successTotal : 0))
          .append('\n');
    }
    histogram(
        b,
        "vllm:time_to_first_token_seconds",
        "Histogram of time to first token in seconds.",
        labels,
        TTFT_BUCKETS,
        ttftCounts,
        ttftSum);
    histogram(
        b,
        "vllm:e2e_request_latency_seconds",
        "Histogram of e2e request latency in seconds.",
        labels,
        E2E_BUCKETS,
        e2eCounts,
        e2eSum);
    b.setLength(b.length() - 1); // like the capture: no final newline
    return b.toString();
  }

  private static void gauge(StringBuilder b, String name, String help, String labels, double v) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" gauge\n");
    b.append(name).append('{').append(labels).append("} ").append(num(v)).append('\n');
  }

  private void counter(StringBuilder b, String base, String help, String labels, double v) {
    b.append("# HELP ").append(base).append("_total ").append(help).append('\n');
    b.append("# TYPE ").append(base).append("_total counter\n");
    b.append(base).append("_total{").append(labels).append("} ").append(num(v)).append('\n');
    b.append("# HELP ").append(base).append("_created ").append(help).append('\n');
    b.append("# TYPE ").append(base).append("_created gauge\n");
    b.append(base)
        .append("_created{")
        .append(labels)
        .append("} ")
        .append(createdSeconds)
        .append('\n');
  }

  private static void histogram(
      StringBuilder b,
      String name,
      String help,
      String labels,
      double[] buckets,
      long[] counts,
      double sum) {
    b.append("# HELP ").append(name).append(' ').append(help).append('\n');
    b.append("# TYPE ").append(name).append(" histogram\n");
    long cumulative = 0;
    for (int i = 0; i < buckets.length; i++) {
      cumulative += counts[i];
      b.append(name)
          .append("_bucket{engine=\"0\",le=\"")
          .append(buckets[i])
          .append("\",")
          .append(labels.substring(labels.indexOf("model_name")))
          .append("} ")
          .append(num(cumulative))
          .append('\n');
    }
    long total = cumulative;
    b.append(name)
        .append("_bucket{engine=\"0\",le=\"+Inf\",")
        .append(labels.substring(labels.indexOf("model_name")))
        .append("} ")
        .append(num(total))
        .append('\n');
    b.append(name).append("_count{").append(labels).append("} ").append(num(total)).append('\n');
    b.append(name).append("_sum{").append(labels).append("} ").append(sum).append('\n');
  }

  private static String num(double v) {
    return v == Math.rint(v) && Math.abs(v) < 1e15 ? (long) v + ".0" : Double.toString(v);
  }

  private void completions(HttpExchange ex) throws IOException {
    try (ex) {
      if (!ex.getRequestMethod().equals("POST")) {
        respond(ex, 405, "application/json", error("use POST"));
        return;
      }
      JsonNode body;
      try {
        body = JSON.readTree(ex.getRequestBody());
      } catch (IOException e) {
        respond(ex, 400, "application/json", error("body is not JSON"));
        return;
      }
      String asked = body.path("model").asText(model);
      if (!asked.equals(model)) {
        respond(ex, 404, "application/json", error("The model `" + asked + "` does not exist."));
        return;
      }
      int promptTokens = Math.max(1, promptLength(body.path("prompt")) / 4);
      int maxTokens = body.path("max_tokens").asInt(16);
      if (maxTokens < 1 || maxTokens > 16_384) {
        respond(ex, 400, "application/json", error("max_tokens must be between 1 and 16384"));
        return;
      }
      BlockingQueue<Integer> events;
      try {
        events = submit(promptTokens, maxTokens);
      } catch (IllegalArgumentException e) {
        respond(ex, 400, "application/json", error(e.getMessage()));
        return;
      }
      String id = "cmpl-" + port() + "-" + ids.get();
      if (body.path("stream").asBoolean(false)) {
        stream(ex, id, events);
      } else {
        int generated = 0;
        while (take(events) != END) {
          generated++;
        }
        ObjectNode out = JSON.createObjectNode();
        out.put("id", id).put("object", "text_completion").put("model", model);
        out.putArray("choices")
            .addObject()
            .put("index", 0)
            .put("text", "tok ".repeat(generated))
            .put("finish_reason", "length");
        out.putObject("usage")
            .put("prompt_tokens", promptTokens)
            .put("completion_tokens", generated)
            .put("total_tokens", promptTokens + generated);
        respond(ex, 200, "application/json", JSON.writeValueAsString(out));
      }
    }
  }

  private void stream(HttpExchange ex, String id, BlockingQueue<Integer> events)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/event-stream");
    ex.sendResponseHeaders(200, 0);
    OutputStream out = ex.getResponseBody();
    while (true) {
      int e = take(events);
      if (e == END) {
        break;
      }
      ObjectNode chunk = JSON.createObjectNode();
      chunk.put("id", id).put("object", "text_completion").put("model", model);
      chunk
          .putArray("choices")
          .addObject()
          .put("index", 0)
          .put("text", "tok ")
          .putNull("finish_reason");
      out.write(
          ("data: " + JSON.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
      out.flush();
    }
    out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
    out.flush();
  }

  private static int take(BlockingQueue<Integer> events) {
    try {
      return events.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return END;
    }
  }

  private static int promptLength(JsonNode prompt) {
    if (prompt.isArray()) {
      int n = 0;
      for (JsonNode p : prompt) {
        n += p.asText().length();
      }
      return n;
    }
    return prompt.asText("").length();
  }

  private static String error(String message) {
    return "{\"object\":\"error\",\"message\":" + JSON.valueToTree(message) + "}";
  }

  private static void respond(HttpExchange ex, int status, String type, String body)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().set("Content-Type", type);
    ex.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
    if (bytes.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(bytes);
      }
    }
    ex.close();
  }

  @Override
  public void close() {
    closed = true;
    synchronized (this) {
      notifyAll();
    }
    server.stop(0);
    executor.shutdownNow();
    loop.interrupt();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "FakeEngine[%s on :%d]", model, port());
  }
}
