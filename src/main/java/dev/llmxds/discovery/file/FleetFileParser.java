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

  /**
   * As {@link #parse(String)}, but a fleet with no services is an error — an empty file, a bare
   * {@code services:} or a file cut before its first entry look exactly like that — unless the file
   * says {@code services: []} and {@code allowEmpty} is set.
   */
  public static Fleet parseSource(String yaml, boolean allowEmpty) throws ConfigException {
    FleetFileModel model = READER.read(yaml, FleetFileModel.class);
    if (model.services() == null) {
      throw new ConfigException(
          "services",
          "the file lists no services (it is empty or says only 'services:'); to withdraw every"
              + " service on purpose write 'services: []' and set discovery.file.allowEmpty: true");
    }
    if (model.services().isEmpty() && !allowEmpty) {
      throw new ConfigException(
          "services",
          "is empty; set discovery.file.allowEmpty: true to withdraw every service on purpose");
    }
    return model.toFleet();
  }
}
