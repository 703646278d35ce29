package io.connectmqtt.common;

/** The version of a plugin, from its jar's manifest (Implementation-Version). */
public final class Versions {
  private Versions() {}

  public static String version(Class<?> type) {
    String version = type.getPackage().getImplementationVersion();
    return version == null ? "0.0.0-dev" : version;
  }
}
