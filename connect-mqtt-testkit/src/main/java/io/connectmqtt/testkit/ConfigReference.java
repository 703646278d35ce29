package io.connectmqtt.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Keeps a file generated from code (a configuration reference in docs/, the Strimzi connectors) in
 * sync with what is committed. A test run only compares, so a stale file fails every run until it
 * is regenerated and committed: {@code ./mvnw -B -Pregenerate-docs verify} (the {@value
 * #REGENERATE} property) rewrites the files instead.
 */
public final class ConfigReference {
  /**
   * System property that turns the comparison into a rewrite; set by the {@code regenerate-docs}
   * Maven profile.
   */
  public static final String REGENERATE = "docs.regenerate";

  private ConfigReference() {}

  public static void assertCommitted(Path file, String generated) {
    try {
      String committed = Files.exists(file) ? Files.readString(file) : "";
      if (Boolean.getBoolean(REGENERATE)) {
        if (!generated.equals(committed)) {
          Files.createDirectories(file.getParent());
          Files.writeString(file, generated);
        }
        return;
      }
      assertThat(committed)
          .as(
              file
                  + " is stale: regenerate it with `./mvnw -B -Pregenerate-docs verify` and commit it")
          .isEqualTo(generated);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
