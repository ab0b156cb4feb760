package dev.llmxds.xds.resource;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.OneofDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import io.envoyproxy.pgv.validate.Validate;
import io.envoyproxy.pgv.validate.Validate.FieldRules;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Checks a message against the {@code validate.rules} annotations Envoy declares on its protos (the
 * constraints Envoy enforces when it receives a resource), reflectively, recursing into nested
 * messages and into {@code Any} payloads of the given known types. Returns one line per violation,
 * naming the field path.
 */
public final class ProtoRules {
  private static final Pattern HEADER_NAME = Pattern.compile("^:?[0-9a-zA-Z!#$%&'*+\\-.^_|~`]+$");
  private static final Pattern HEADER_VALUE = Pattern.compile("^[^\\x00-\\x08\\x0A-\\x1F\\x7F]*$");
  private static final Set<String> WRAPPERS =
      Set.of(
          "google.protobuf.DoubleValue",
          "google.protobuf.FloatValue",
          "google.protobuf.Int64Value",
          "google.protobuf.UInt64Value",
          "google.protobuf.Int32Value",
          "google.protobuf.UInt32Value",
          "google.protobuf.BoolValue",
          "google.protobuf.StringValue",
          "google.protobuf.BytesValue");

  private final Map<String, Descriptor> anyTypes;

  /**
   * @param anyTypes default instances of every type that may appear packed in an {@code Any}
   */
  public ProtoRules(List<? extends Message> anyTypes) {
    this.anyTypes =
        anyTypes.stream()
            .map(Message::getDescriptorForType)
            .collect(Collectors.toMap(Descriptor::getFullName, d -> d, (a, b) -> a));
  }

  public List<String> violations(Message message) {
    List<String> out = new ArrayList<>();
    check(message, message.getDescriptorForType().getName(), out);
    return out;
  }

  private void check(Message message, String path, List<String> out) {
    Descriptor type = message.getDescriptorForType();
    if (type.getOptions().getExtension(Validate.disabled)
        || type.getOptions().getExtension(Validate.ignored)) {
      return;
    }
    if (type.getFullName().equals(Any.getDescriptor().getFullName())) {
      checkAny(message, path, out);
      return;
    }
    for (OneofDescriptor oneof : type.getRealOneofs()) {
      if (oneof.getOptions().getExtension(Validate.required) && !message.hasOneof(oneof)) {
        out.add(path + "." + oneof.getName() + ": one of its fields must be set");
      }
    }
    for (FieldDescriptor field : type.getFields()) {
      String at = path + "." + field.getName();
      FieldRules rules = field.getOptions().getExtension(Validate.rules);
      if (field.isMapField()) {
        checkMap(message, field, rules, at, out);
      } else if (field.isRepeated()) {
        checkRepeated(message, field, rules, at, out);
      } else {
        boolean present = !field.hasPresence() || message.hasField(field);
        if (field.getRealContainingOneof() != null && !message.hasField(field)) {
          continue;
        }
        if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE) {
          if (rules.getMessage().getRequired()
              || (rules.hasDuration() && rules.getDuration().getRequired())
              || (rules.hasAny() && rules.getAny().getRequired())) {
            if (!message.hasField(field)) {
              out.add(at + ": is required");
              continue;
            }
          }
          if (!message.hasField(field)) {
            continue;
          }
        } else if (!present) {
          continue;
        }
        checkValue(field, rules, message.getField(field), at, out);
      }
    }
  }

  private void checkRepeated(
      Message message, FieldDescriptor field, FieldRules rules, String at, List<String> out) {
    int n = message.getRepeatedFieldCount(field);
    if (rules.hasRepeated()) {
      var r = rules.getRepeated();
      if (!(r.getIgnoreEmpty() && n == 0)) {
        if (r.hasMinItems() && n < r.getMinItems()) {
          out.add(at + ": needs at least " + r.getMinItems() + " item(s), has " + n);
        }
        if (r.hasMaxItems() && n > r.getMaxItems()) {
          out.add(at + ": allows at most " + r.getMaxItems() + " item(s), has " + n);
        }
        if (r.getUnique()) {
          Set<Object> seen = new HashSet<>();
          for (int i = 0; i < n; i++) {
            if (!seen.add(message.getRepeatedField(field, i))) {
              out.add(at + "[" + i + "]: repeats an earlier item");
            }
          }
        }
      }
    }
    FieldRules items =
        rules.hasRepeated() ? rules.getRepeated().getItems() : FieldRules.getDefaultInstance();
    for (int i = 0; i < n; i++) {
      checkValue(field, items, message.getRepeatedField(field, i), at + "[" + i + "]", out);
    }
  }

  private void checkMap(
      Message message, FieldDescriptor field, FieldRules rules, String at, List<String> out) {
    int n = message.getRepeatedFieldCount(field);
    if (rules.hasMap()) {
      var m = rules.getMap();
      if (m.hasMinPairs() && n < m.getMinPairs()) {
        out.add(at + ": needs at least " + m.getMinPairs() + " entries, has " + n);
      }
      if (m.hasMaxPairs() && n > m.getMaxPairs()) {
        out.add(at + ": allows at most " + m.getMaxPairs() + " entries, has " + n);
      }
    }
    FieldDescriptor keyField = field.getMessageType().findFieldByName("key");
    FieldDescriptor valueField = field.getMessageType().findFieldByName("value");
    for (int i = 0; i < n; i++) {
      Message entry = (Message) message.getRepeatedField(field, i);
      Object key = entry.getField(keyField);
      String entryAt = at + "[" + key + "]";
      if (rules.hasMap()) {
        checkValue(keyField, rules.getMap().getKeys(), key, entryAt + "(key)", out);
      }
      FieldRules values =
          rules.hasMap() ? rules.getMap().getValues() : FieldRules.getDefaultInstance();
      checkValue(valueField, values, entry.getField(valueField), entryAt, out);
    }
  }

  private void checkValue(
      FieldDescriptor field, FieldRules rules, Object value, String at, List<String> out) {
    switch (field.getJavaType()) {
      case MESSAGE -> {
        Message m = (Message) value;
        String fullName = m.getDescriptorForType().getFullName();
        if (WRAPPERS.contains(fullName)) {
          FieldDescriptor inner = m.getDescriptorForType().findFieldByName("value");
          checkScalar(rules, m.getField(inner), at, out);
        } else if (fullName.equals("google.protobuf.Duration")) {
          checkDuration(rules, m, at, out);
        } else if (!rules.getMessage().getSkip()) {
          check(m, at, out);
        }
      }
      case ENUM -> checkEnum(rules, (EnumValueDescriptor) value, at, out);
      default -> checkScalar(rules, value, at, out);
    }
  }

  private void checkEnum(FieldRules rules, EnumValueDescriptor value, String at, List<String> out) {
    if (!rules.hasEnum()) {
      return;
    }
    var e = rules.getEnum();
    if (e.getDefinedOnly() && value.getIndex() < 0) {
      out.add(at + ": " + value.getNumber() + " is not a defined value");
    }
    if (e.hasConst() && value.getNumber() != e.getConst()) {
      out.add(at + ": must be " + e.getConst());
    }
    if (e.getInCount() > 0 && !e.getInList().contains(value.getNumber())) {
      out.add(at + ": must be one of " + e.getInList());
    }
    if (e.getNotInList().contains(value.getNumber())) {
      out.add(at + ": must not be " + value.getName());
    }
  }

  private static void checkDuration(FieldRules rules, Message d, String at, List<String> out) {
    if (!rules.hasDuration()) {
      return;
    }
    var r = rules.getDuration();
    long nanos = seconds(d).multiply(BigDecimal.valueOf(1_000_000_000L)).longValue();
    compare(at, BigDecimal.valueOf(nanos), r.hasGt() ? nanos(r.getGt()) : null, ">", out);
    compare(at, BigDecimal.valueOf(nanos), r.hasGte() ? nanos(r.getGte()) : null, ">=", out);
    compare(at, BigDecimal.valueOf(nanos), r.hasLt() ? nanos(r.getLt()) : null, "<", out);
    compare(at, BigDecimal.valueOf(nanos), r.hasLte() ? nanos(r.getLte()) : null, "<=", out);
  }

  private static BigDecimal seconds(Message d) {
    com.google.protobuf.Duration duration;
    if (d instanceof com.google.protobuf.Duration typed) {
      duration = typed;
    } else { // inside an Any payload checked as a DynamicMessage
      try {
        duration = com.google.protobuf.Duration.parseFrom(d.toByteString());
      } catch (com.google.protobuf.InvalidProtocolBufferException e) {
        throw new IllegalStateException("a Duration field that is no Duration", e);
      }
    }
    return BigDecimal.valueOf(duration.getSeconds())
        .add(BigDecimal.valueOf(duration.getNanos(), 9));
  }

  private static BigDecimal nanos(com.google.protobuf.Duration d) {
    return BigDecimal.valueOf(d.getSeconds() * 1_000_000_000L + d.getNanos());
  }

  private void checkAny(Message any, String path, List<String> out) {
    Any packed;
    if (any instanceof Any a) {
      packed = a;
    } else { // an Any inside an Any payload, read as a DynamicMessage
      try {
        packed = Any.parseFrom(any.toByteString());
      } catch (InvalidProtocolBufferException e) {
        out.add(path + ": not an Any");
        return;
      }
    }
    String typeName = packed.getTypeUrl().substring(packed.getTypeUrl().lastIndexOf('/') + 1);
    Descriptor type = anyTypes.get(typeName);
    if (type == null) {
      out.add(path + ": Any of unexpected type " + packed.getTypeUrl());
      return;
    }
    try {
      check(
          DynamicMessage.parseFrom(type, packed.getValue()),
          path + "<" + type.getName() + ">",
          out);
    } catch (InvalidProtocolBufferException e) {
      out.add(path + ": Any does not parse as " + typeName + ": " + e.getMessage());
    }
  }

  private static void checkScalar(FieldRules rules, Object value, String at, List<String> out) {
    switch (rules.getTypeCase()) {
      case STRING -> checkString(rules.getString(), (String) value, at, out);
      case BYTES -> {
        var b = rules.getBytes();
        int len = ((ByteString) value).size();
        if (b.hasMinLen() && len < b.getMinLen()) {
          out.add(at + ": needs at least " + b.getMinLen() + " bytes");
        }
      }
      case BOOL -> {
        if (rules.getBool().hasConst() && !value.equals(rules.getBool().getConst())) {
          out.add(at + ": must be " + rules.getBool().getConst());
        }
      }
      case TYPE_NOT_SET, REPEATED, MAP, ANY, DURATION, TIMESTAMP, ENUM -> {}
      default -> checkNumber(rules, value, at, out);
    }
  }

  /** Numeric rules (int32 ... double) share field names; read them reflectively. */
  private static void checkNumber(FieldRules rules, Object value, String at, List<String> out) {
    Message r =
        (Message)
            rules.getField(
                rules.getDescriptor().findFieldByNumber(rules.getTypeCase().getNumber()));
    boolean unsigned =
        rules.getTypeCase().name().startsWith("UINT")
            || rules.getTypeCase().name().startsWith("FIXED");
    BigDecimal v = number(value, unsigned);
    FieldDescriptor ignoreEmpty = r.getDescriptorForType().findFieldByName("ignore_empty");
    if (ignoreEmpty != null && (Boolean) r.getField(ignoreEmpty) && v.signum() == 0) {
      return;
    }
    for (String op : List.of("const", "gt", "gte", "lt", "lte")) {
      FieldDescriptor f = r.getDescriptorForType().findFieldByName(op);
      if (f != null && r.hasField(f)) {
        BigDecimal bound = number(r.getField(f), unsigned);
        String sym =
            switch (op) {
              case "const" -> "==";
              case "gt" -> ">";
              case "gte" -> ">=";
              case "lt" -> "<";
              default -> "<=";
            };
        compare(at, v, bound, sym, out);
      }
    }
    FieldDescriptor in = r.getDescriptorForType().findFieldByName("in");
    if (in != null && r.getRepeatedFieldCount(in) > 0) {
      boolean found = false;
      for (int i = 0; i < r.getRepeatedFieldCount(in); i++) {
        found |= number(r.getRepeatedField(in, i), unsigned).compareTo(v) == 0;
      }
      if (!found) {
        out.add(at + ": " + v + " is not an allowed value");
      }
    }
  }

  private static BigDecimal number(Object value, boolean unsigned) {
    if (value instanceof Integer i) {
      return BigDecimal.valueOf(unsigned ? Integer.toUnsignedLong(i) : i);
    }
    if (value instanceof Long l) {
      return unsigned ? new BigDecimal(Long.toUnsignedString(l)) : BigDecimal.valueOf(l);
    }
    if (value instanceof Float f) {
      return Float.isFinite(f) ? BigDecimal.valueOf(f) : BigDecimal.valueOf(Double.MAX_VALUE);
    }
    double d = (Double) value;
    return Double.isFinite(d) ? BigDecimal.valueOf(d) : BigDecimal.valueOf(Double.MAX_VALUE);
  }

  private static void compare(
      String at, BigDecimal v, BigDecimal bound, String op, List<String> out) {
    if (bound == null) {
      return;
    }
    int c = v.compareTo(bound);
    boolean ok =
        switch (op) {
          case "==" -> c == 0;
          case ">" -> c > 0;
          case ">=" -> c >= 0;
          case "<" -> c < 0;
          default -> c <= 0;
        };
    if (!ok) {
      out.add(
          at
              + ": must be "
              + op
              + " "
              + bound.stripTrailingZeros().toPlainString()
              + ", got "
              + v.stripTrailingZeros().toPlainString());
    }
  }

  private static void checkString(
      Validate.StringRules s, String value, String at, List<String> out) {
    if (s.getIgnoreEmpty() && value.isEmpty()) {
      return;
    }
    int chars = value.codePointCount(0, value.length());
    int bytes = value.getBytes(StandardCharsets.UTF_8).length;
    if (s.hasMinLen() && chars < s.getMinLen()) {
      out.add(at + ": needs at least " + s.getMinLen() + " character(s)");
    }
    if (s.hasMaxLen() && chars > s.getMaxLen()) {
      out.add(at + ": allows at most " + s.getMaxLen() + " characters");
    }
    if (s.hasMinBytes() && bytes < s.getMinBytes()) {
      out.add(at + ": needs at least " + s.getMinBytes() + " byte(s)");
    }
    if (s.hasMaxBytes() && bytes > s.getMaxBytes()) {
      out.add(at + ": allows at most " + s.getMaxBytes() + " bytes");
    }
    if (s.hasPrefix() && !value.startsWith(s.getPrefix())) {
      out.add(at + ": must start with '" + s.getPrefix() + "'");
    }
    if (s.getInCount() > 0 && !s.getInList().contains(value)) {
      out.add(at + ": must be one of " + s.getInList());
    }
    if (s.getNotInList().contains(value)) {
      out.add(at + ": must not be '" + value + "'");
    }
    if (s.hasConst() && !value.equals(s.getConst())) {
      out.add(at + ": must be '" + s.getConst() + "'");
    }
    if (s.hasWellKnownRegex()) {
      Pattern p =
          switch (s.getWellKnownRegex()) {
            case HTTP_HEADER_NAME -> HEADER_NAME;
            case HTTP_HEADER_VALUE -> HEADER_VALUE;
            default -> null;
          };
      if (p != null && !value.isEmpty() && !p.matcher(value).matches()) {
        out.add(at + ": '" + value + "' is not a valid " + s.getWellKnownRegex());
      }
    }
  }
}
