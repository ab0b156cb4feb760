package dev.llmxds.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.llmxds.demo.EngineModel;
import dev.llmxds.demo.FakeEngine;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code llm-xds fake-engine}: one simulated vLLM server, optionally registered in Consul with an
 * HTTP check on its {@code /health} (how docker-compose builds its fleet).
 */
@Command(
    name = "fake-engine",
    mixinStandardHelpOptions = true,
    description =
        "Run one simulated vLLM engine (for demos and tests), optionally registered in Consul.")
final class FakeEngineCommand implements Callable<Integer> {
  @Option(names = "--listen", defaultValue = "127.0.0.1", description = "Address to listen on.")
  String listen;

  @Option(names = "--port", defaultValue = "8000", description = "Port (vLLM's default 8000).")
  int port;

  @Option(names = "--model", defaultValue = "meta-llama/Llama-3.1-8B-Instruct")
  String model;

  @Option(names = "--speed", defaultValue = "1.0", description = "GPU speed, 1.0 = reference.")
  double speed;

  @Option(
      names = "--max-num-seqs",
      defaultValue = "256",
      description = "Most requests running at once (vLLM's --max-num-seqs).")
  int maxNumSeqs;

  @Option(
      names = "--max-num-batched-tokens",
      defaultValue = "8192",
      description = "Tokens per engine step (vLLM's --max-num-batched-tokens).")
  int maxNumBatchedTokens;

  @Option(names = "--consul", description = "Register in the Consul agent at this URL.")
  URI consul;

  @Option(names = "--service", defaultValue = "llama-3-8b", description = "Consul service name.")
  String service;

  @Option(names = "--advertise", description = "Address to register (default: --listen).")
  String advertise;

  @Option(names = "--region", defaultValue = "")
  String region;

  @Option(names = "--zone", defaultValue = "")
  String zone;

  @Option(names = "--weight", defaultValue = "1", description = "Consul Weights.Passing.")
  int weight;

  @Override
  public Integer call() throws Exception {
    EngineModel.Spec d = EngineModel.Spec.DEFAULT;
    EngineModel.Spec spec =
        new EngineModel.Spec(
            maxNumSeqs,
            maxNumBatchedTokens,
            d.blockSize(),
            d.kvCacheBlocks(),
            d.stepBaseMs(),
            d.stepPerTokenMs(),
            d.stepPerContextTokenMs(),
            speed);
    FakeEngine engine = new FakeEngine(model, spec, listen, port);
    System.out.printf(
        "fake vLLM engine %s on %s:%d (speed %.2f)%n", model, listen, engine.port(), speed);
    String id = service + "-" + (advertise == null ? listen : advertise) + "-" + engine.port();
    if (consul != null) {
      register(id, engine.port());
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  if (consul != null) {
                    put("/v1/agent/service/deregister/" + id, null);
                  }
                  engine.close();
                  stopped.countDown();
                }));
    stopped.await();
    return 0;
  }

  private void register(String id, int actualPort) {
    String address = advertise == null ? listen : advertise;
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("ID", id);
    body.put("Name", service);
    body.put("Tags", List.of("llm"));
    body.put("Address", address);
    body.put("Port", actualPort);
    body.put(
        "Meta",
        Map.of(
            "llm-xds-models",
            model + "," + service,
            "llm-xds-engine",
            "vllm",
            "zone",
            zone,
            "region",
            region));
    body.put("Weights", Map.of("Passing", weight, "Warning", 1));
    body.put(
        "Check",
        Map.of(
            "HTTP", "http://" + address + ":" + actualPort + "/health",
            "Interval", "5s",
            "Timeout", "2s",
            "DeregisterCriticalServiceAfter", "5m"));
    put("/v1/agent/service/register", body);
    System.out.printf("registered %s in Consul at %s (%s/%s)%n", id, consul, region, zone);
  }

  private void put(String path, Object body) {
    try {
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      HttpRequest.BodyPublisher publisher =
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(new ObjectMapper().writeValueAsBytes(body));
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(consul.resolve(path))
                  .timeout(Duration.ofSeconds(10))
                  .PUT(publisher)
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            "Consul " + path + ": HTTP " + r.statusCode() + " " + r.body());
      }
    } catch (java.io.IOException e) {
      throw new IllegalStateException("Consul " + path + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
