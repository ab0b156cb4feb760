package dev.llmxds.app;

import ch.qos.logback.classic.Level;
import dev.llmxds.config.ConfigException;
import dev.llmxds.config.ConfigLoader;
import dev.llmxds.config.LlmXdsConfig;
import dev.llmxds.discovery.DiscoveryException;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code java -jar llm-xds.jar [--config file] [flags]}: runs the control plane until stopped. */
@Command(
    name = "llm-xds",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Envoy xDS control plane for LLM inference fleets.",
    subcommands = {DemoCommand.class, FakeEngineCommand.class},
    sortOptions = false)
public final class Main implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(Main.class);

  @Option(
      names = {"-c", "--config"},
      paramLabel = "FILE",
      defaultValue = "${env:LLMXDS_CONFIG}",
      description = "YAML configuration file (env LLMXDS_CONFIG). Default: built-in defaults.")
  Path configFile;

  @Option(
      names = "--xds-host",
      paramLabel = "HOST",
      description = "Address the xDS server binds (overrides xds.host; default 0.0.0.0).")
  String xdsHost;

  @Option(
      names = "--xds-port",
      paramLabel = "PORT",
      description = "xDS server port (overrides xds.port; default 18000; 0 picks a free port).")
  Integer xdsPort;

  @Option(
      names = "--fleet",
      paramLabel = "FILE",
      description = "Fleet file for file discovery (overrides discovery.file.path).")
  Path fleetFile;

  @Option(
      names = "--consul",
      paramLabel = "URL",
      description =
          "Discover from Consul at URL, e.g. http://127.0.0.1:8500 (sets discovery.source=consul"
              + " and discovery.consul.address).")
  java.net.URI consulAddress;

  @Option(
      names = "--admin-port",
      paramLabel = "PORT",
      description = "Admin HTTP port (overrides admin.port; default 9902; 0 picks a free port).")
  Integer adminPort;

  @Option(
      names = "--log-level",
      paramLabel = "LEVEL",
      defaultValue = "${env:LLMXDS_LOG_LEVEL:-INFO}",
      description = "Log level of llm-xds: ERROR, WARN, INFO, DEBUG (env LLMXDS_LOG_LEVEL).")
  String logLevel;

  public static void main(String[] args) {
    System.exit(run(args, new PrintWriter(System.err, true)));
  }

  static int run(String[] args, PrintWriter err) {
    CommandLine cli = new CommandLine(new Main());
    cli.setErr(err);
    cli.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          cmd.getErr()
              .println(
                  "llm-xds: " + (e.getMessage() == null ? e.getClass().getName() : e.getMessage()));
          return 1;
        });
    return cli.execute(args);
  }

  /** Reads the file (if any), then applies the flags; throws ConfigException naming the field. */
  LlmXdsConfig resolveConfig() {
    LlmXdsConfig config = configFile == null ? LlmXdsConfig.DEFAULT : ConfigLoader.load(configFile);
    if (xdsHost != null) {
      config = config.withXds(config.xds().withHost(xdsHost));
    }
    if (xdsPort != null) {
      try {
        config = config.withXds(config.xds().withPort(xdsPort));
      } catch (ConfigException e) {
        throw new ConfigException("--xds-port", e.problem());
      }
    }
    if (adminPort != null) {
      try {
        config = config.withAdmin(config.admin().withPort(adminPort));
      } catch (ConfigException e) {
        throw new ConfigException("--admin-port", e.problem());
      }
    }
    if (consulAddress != null) {
      try {
        config =
            config.withDiscovery(
                config
                    .discovery()
                    .withConsul(config.discovery().consul().withAddress(consulAddress)));
      } catch (ConfigException e) {
        throw new ConfigException("--consul", e.problem());
      }
    }
    if (fleetFile != null) {
      config =
          config.withDiscovery(
              config.discovery().withFile(config.discovery().file().withPath(fleetFile)));
    }
    return config;
  }

  @Override
  public Integer call() throws InterruptedException {
    setLogLevel(logLevel);
    LlmXdsConfig config;
    try {
      config = resolveConfig();
    } catch (ConfigException e) {
      System.err.println("llm-xds: config error: " + e.getMessage());
      return 2;
    }
    LlmXds app;
    try {
      app = LlmXds.start(config, Clock.systemUTC());
    } catch (DiscoveryException e) {
      System.err.println("llm-xds: discovery error: " + e.getMessage());
      return 2;
    } catch (IOException e) {
      System.err.println("llm-xds: cannot listen on " + e.getMessage());
      return 1;
    }
    log.info(
        "llm-xds serving ADS on {}:{} ({}), discovery {}, admin {}",
        config.xds().host(),
        app.xdsPort(),
        config.xds().tls() == null ? "plaintext" : config.xds().tls().mutual() ? "mTLS" : "TLS",
        app.discovery().source(),
        app.adminPort() < 0
            ? "off"
            : "http://" + config.admin().host() + ":" + app.adminPort() + "/");
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  app.close();
                  stopped.countDown();
                },
                "shutdown"));
    stopped.await();
    return 0;
  }

  private static void setLogLevel(String level) {
    Level parsed = Level.toLevel(level, null);
    if (parsed == null) {
      throw new CommandLine.ParameterException(
          new CommandLine(new Main()), "--log-level: unknown level '" + level + "'");
    }
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("dev.llmxds")).setLevel(parsed);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"llm-xds " + (v == null ? "dev" : v)};
    }
  }
}
