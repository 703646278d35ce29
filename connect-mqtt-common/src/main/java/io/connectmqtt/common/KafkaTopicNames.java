package io.connectmqtt.common;

import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;

/**
 * Turns any string into a legal Kafka topic name: [a-zA-Z0-9._-], 1 to 249 characters, not "." or
 * "..".
 */
public final class KafkaTopicNames {

  public static final int MAX_LENGTH = 249;

  private KafkaTopicNames() {}

  /**
   * Replaces every illegal character with {@code replacement}; a name longer than {@code maxLength}
   * keeps its start and ends with '-' and a hash of the whole name, so distinct long names stay
   * distinct.
   */
  public static String legalize(String name, char replacement, int maxLength) {
    StringBuilder out = new StringBuilder(name.length());
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      out.append(isLegal(c) ? c : replacement);
    }
    String result = out.toString();
    if (result.isEmpty() || result.equals(".") || result.equals("..")) {
      result = result.replace('.', replacement);
      if (result.isEmpty()) {
        result = String.valueOf(replacement);
      }
    }
    int limit = Math.min(maxLength, MAX_LENGTH);
    if (result.length() > limit) {
      CRC32 crc = new CRC32();
      crc.update(name.getBytes(StandardCharsets.UTF_8));
      String suffix = "-" + String.format("%08x", crc.getValue());
      result = result.substring(0, limit - suffix.length()) + suffix;
    }
    return result;
  }

  public static boolean isLegal(char c) {
    return (c >= 'a' && c <= 'z')
        || (c >= 'A' && c <= 'Z')
        || (c >= '0' && c <= '9')
        || c == '.'
        || c == '_'
        || c == '-';
  }

  /** Whether {@code name} is a legal topic name as it stands. */
  public static boolean isLegal(String name) {
    return !name.isEmpty()
        && name.length() <= MAX_LENGTH
        && !name.equals(".")
        && !name.equals("..")
        && name.chars().allMatch(c -> isLegal((char) c));
  }
}
