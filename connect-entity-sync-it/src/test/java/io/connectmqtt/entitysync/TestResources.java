package io.connectmqtt.entitysync;

/** Closing what an integration test class started. */
final class TestResources {

  private TestResources() {}

  /**
   * Closes each resource in order, skipping the ones that never started (null); a failure to close
   * one does not leave the others running, and is rethrown after all were tried.
   */
  static void closeAll(AutoCloseable... resources) {
    RuntimeException failure = null;
    for (AutoCloseable resource : resources) {
      if (resource == null) {
        continue;
      }
      try {
        resource.close();
      } catch (Exception e) {
        if (failure == null) {
          failure = new IllegalStateException("closing " + resource, e);
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
