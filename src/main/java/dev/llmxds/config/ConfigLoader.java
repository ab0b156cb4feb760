package dev.llmxds.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads {@link LlmXdsConfig} from a YAML file; relative paths in it resolve against its folder. */
public final class ConfigLoader {
  private ConfigLoader() {}

  public static LlmXdsConfig load(Path file) {
    String yaml;
    try {
      yaml = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new ConfigException("", "config file " + file + " does not exist");
    } catch (IOException e) {
      throw new ConfigException("", "cannot read config file " + file + ": " + e.getMessage());
    }
    return parse(yaml, file.toAbsolutePath().getParent());
  }

  public static LlmXdsConfig parse(String yaml, Path baseDir) {
    return new YamlReader(baseDir).read(yaml, LlmXdsConfig.class);
  }
}
