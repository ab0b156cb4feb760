package dev.llmxds.config;

/**
 * A bad configuration value: {@link #getMessage()} is one line naming the field and the problem.
 */
public final class ConfigException extends RuntimeException {
  private final String field;

  public ConfigException(String field, String problem) {
    super(field.isEmpty() ? problem : field + ": " + problem);
    this.field = field;
  }

  public String field() {
    return field;
  }

  /** The same problem, reported under {@code parent.field}. */
  public ConfigException under(String parent) {
    if (parent.isEmpty()) {
      return this;
    }
    return new ConfigException(field.isEmpty() ? parent : parent + "." + field, problem());
  }

  public String problem() {
    String m = getMessage();
    return field.isEmpty() ? m : m.substring(field.length() + 2);
  }
}
