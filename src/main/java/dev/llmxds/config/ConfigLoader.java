package dev.llmxds.config;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Loads {@link LlmXdsConfig} from a YAML file; relative paths in it resolve against its folder. */
public final class ConfigLoader {
  private ConfigLoader() {}

  /** A config file is a few KB; larger ones are refused before they are read. */
  public static final long MAX_BYTES = 1024 * 1024;

  public static LlmXdsConfig load(Path file) {
    String yaml;
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        throw new ConfigException(
            "", "config file " + file + " is " + size + " bytes, over the limit of " + MAX_BYTES);
      }
      yaml =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
              .toString();
    } catch (NoSuchFileException e) {
      throw new ConfigException("", "config file " + file + " does not exist");
    } catch (CharacterCodingException e) {
      throw new ConfigException("", "config file " + file + " is not UTF-8 text");
    } catch (IOException e) {
      throw new ConfigException("", "cannot read config file " + file + ": " + e.getMessage());
    }
    return parse(yaml, file.toAbsolutePath().getParent());
  }

  public static LlmXdsConfig parse(String yaml, Path baseDir) {
    return new YamlReader(baseDir).read(yaml, LlmXdsConfig.class);
  }
}
