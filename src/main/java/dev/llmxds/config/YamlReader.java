package dev.llmxds.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Collectors;

/**
 * Reads YAML into validated records. Every failure becomes one {@link ConfigException} naming the
 * field path ({@code cluster.leastRequest.choiceCount}, {@code services[0].endpoints[2].port}).
 * Durations are written as {@code 5s}/{@code 100ms}; relative paths resolve against {@code
 * baseDir}.
 */
public final class YamlReader {
  private final ObjectMapper mapper;

  public YamlReader(Path baseDir) {
    SimpleModule module = new SimpleModule("llm-xds");
    module.addDeserializer(Duration.class, new DurationDeserializer());
    module.addDeserializer(Path.class, new PathDeserializer(baseDir));
    this.mapper =
        new ObjectMapper(new YAMLFactory())
            .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .registerModule(module)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
  }

  /** Larger documents are refused before parsing (a config or fleet file is a few KB). */
  public static final int MAX_CHARS = 4 * 1024 * 1024;

  /**
   * Parses {@code yaml}; an empty document gives the record with every field defaulted. A key given
   * twice in one mapping is an error, not "the last one wins".
   */
  public <T> T read(String yaml, Class<T> type) {
    if (yaml.length() > MAX_CHARS) {
      throw new ConfigException(
          "", "document of " + yaml.length() + " characters, over the limit of " + MAX_CHARS);
    }
    try {
      T value = yaml.isBlank() ? null : mapper.readValue(yaml, type);
      return value != null ? value : mapper.readValue("{}", type);
    } catch (JsonMappingException e) {
      throw translate(e);
    } catch (JsonProcessingException e) {
      String where =
          e.getLocation() == null
              ? ""
              : " at line "
                  + e.getLocation().getLineNr()
                  + ", column "
                  + e.getLocation().getColumnNr();
      throw new ConfigException("", "not valid YAML" + where + ": " + e.getOriginalMessage());
    }
  }

  private static ConfigException translate(JsonMappingException e) {
    String path = path(e);
    Throwable cause = e.getCause();
    while (cause != null && !(cause instanceof ConfigException)) {
      if (cause instanceof IllegalArgumentException iae && !(cause instanceof ConfigException)) {
        return new ConfigException(path, iae.getMessage());
      }
      cause = cause.getCause();
    }
    if (cause instanceof ConfigException ce) {
      return ce.under(path);
    }
    if (e instanceof UnrecognizedPropertyException u) {
      String known =
          u.getKnownPropertyIds().stream()
              .map(String::valueOf)
              .sorted()
              .collect(Collectors.joining(", "));
      return new ConfigException(path, "unknown field (known fields here: " + known + ")");
    }
    if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
      return new ConfigException(path, "expected " + describe(m.getTargetType()));
    }
    return new ConfigException(path, e.getOriginalMessage());
  }

  private static String path(JsonMappingException e) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : e.getPath()) {
      if (r.getFieldName() != null) {
        if (b.length() > 0) {
          b.append('.');
        }
        b.append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.toString();
  }

  private static String describe(Class<?> type) {
    if (type == Integer.class || type == int.class || type == Long.class) {
      return "a whole number";
    }
    if (type == Double.class || type == double.class) {
      return "a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (java.util.Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (java.util.Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "a mapping";
    }
    return type.getSimpleName();
  }

  private static final class DurationDeserializer extends JsonDeserializer<Duration> {
    @Override
    public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      try {
        return Durations.parse(p.getValueAsString());
      } catch (IllegalArgumentException e) {
        throw JsonMappingException.from(p, e.getMessage(), new ConfigException("", e.getMessage()));
      }
    }
  }

  private static final class PathDeserializer extends JsonDeserializer<Path> {
    private final Path baseDir;

    PathDeserializer(Path baseDir) {
      this.baseDir = baseDir;
    }

    @Override
    public Path deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
      String text = p.getValueAsString();
      if (text == null || text.isBlank()) {
        throw JsonMappingException.from(
            p, "empty path", new ConfigException("", "must be a file path"));
      }
      Path path = Path.of(text.strip());
      return path.isAbsolute() || baseDir == null ? path : baseDir.resolve(path).normalize();
    }
  }
}
