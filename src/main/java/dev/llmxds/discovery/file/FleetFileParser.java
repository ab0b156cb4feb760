package dev.llmxds.discovery.file;

import dev.llmxds.config.ConfigException;
import dev.llmxds.config.YamlReader;
import dev.llmxds.fleet.Fleet;

/**
 * Parses fleet-file YAML into a {@link Fleet}; errors name the entry, e.g.
 * services[0].endpoints[1].port.
 */
public final class FleetFileParser {
  private static final YamlReader READER = new YamlReader(null);

  private FleetFileParser() {}

  public static Fleet parse(String yaml) throws ConfigException {
    return READER.read(yaml, FleetFileModel.class).toFleet();
  }
}
