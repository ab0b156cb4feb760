package dev.llmxds.app;

import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code llm-xds demo}: the whole system on one machine, no Consul and no Envoy needed. */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Run llm-xds with simulated vLLM engines (mixed speeds, three zones) and simulated Envoy"
            + " sidecars (real xDS clients) sending load through it.")
final class DemoCommand implements Callable<Integer> {
  @Option(names = "--xds-port", defaultValue = "18000", description = "ADS port (default 18000).")
  int xdsPort;

  @Option(names = "--admin-port", defaultValue = "9902", description = "Admin port (default 9902).")
  int adminPort;

  @Option(
      names = "--rps",
      defaultValue = "26",
      description = "Requests per second the load generator sends (default 26).")
  double rps;

  @Override
  public Integer call() throws Exception {
    Demo demo = Demo.start(xdsPort, adminPort, rps);
    int admin = demo.server().adminPort();
    System.out.printf(
        """

        llm-xds demo is running.
          Admin page:   http://127.0.0.1:%d/        (the story: sidecars, latency, weights, queues, buttons)
          JSON:         http://127.0.0.1:%d/api/fleet   /api/nodes   /api/config_dump?zone=us-east-1a
          Prometheus:   http://127.0.0.1:%d/metrics
          xDS (ADS):    127.0.0.1:%d
          Fleet file:   %s   (edit it: mark an endpoint draining, change a weight)

        %d fake vLLM engines: two identical fleets of six (speeds 0.4x to 2x), llama-weighted and
        llama-plain. %d simulated Envoy sidecars (real ADS clients, eight per zone) send %.0f
        requests/s in all: half balance over llama-weighted with llm-xds weights, half over
        llama-plain with plain least request. Compare their TTFT and queues on the admin page.

        Point a real Envoy at it (zone us-east-1a):
          LLMXDS_HOST=127.0.0.1 LLMXDS_PORT=%d ENVOY_REGION=us-east ENVOY_ZONE=us-east-1a \\
            envoy/run-envoy.sh
          curl -H 'x-model: llama-3-8b' localhost:10000/v1/completions \\
            -d '{"prompt": "Hello", "max_tokens": 16}'

        Ctrl-C stops everything.
        """,
        admin,
        admin,
        admin,
        demo.server().xdsPort(),
        demo.fleetFile(),
        demo.engines().size(),
        demo.sidecarIds().size(),
        rps,
        demo.server().xdsPort());
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  demo.close();
                  stopped.countDown();
                },
                "demo-shutdown"));
    stopped.await();
    return 0;
  }
}
