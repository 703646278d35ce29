package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps a generated configuration reference in docs/ in sync: when the committed file differs from what the
 * ConfigDef generates, the file is rewritten and the check fails, so the change gets reviewed and committed.
 */
public final class ConfigReference {
  private ConfigReference() {}

  public static void assertCommitted(Path file, String generated) {
    try {
      String committed = Files.exists(file) ? Files.readString(file) : "";
      if (!generated.equals(committed)) {
        Files.createDirectories(file.getParent());
        Files.writeString(file, generated);
      }
      assertThat(committed).as(file + " was stale and has been regenerated: review and commit it")
          .isEqualTo(generated);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
