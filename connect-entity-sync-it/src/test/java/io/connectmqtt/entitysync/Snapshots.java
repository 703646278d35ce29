package io.connectmqtt.entitysync;

import java.util.List;

/**
 * Copies of lists that other threads (MQTT callbacks, an Awaitility condition) append to while a
 * test reads them.
 */
final class Snapshots {

  private Snapshots() {}

  /**
   * What {@code list} held from index {@code from} on, copied at once: a subList view of a
   * CopyOnWriteArrayList throws ConcurrentModificationException once an element is added while it
   * is copied.
   */
  static <T> List<T> since(List<T> list, int from) {
    List<T> all = List.copyOf(list);
    return all.subList(from, all.size());
  }
}
