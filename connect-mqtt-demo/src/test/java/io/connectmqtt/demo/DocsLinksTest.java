package io.connectmqtt.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.connectmqtt.testkit.ProjectLayout;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every relative link in the README, docs/, examples/ and docker/ Markdown leads to a file, and to
 * a heading.
 */
class DocsLinksTest {

  private static final Path ROOT = ProjectLayout.root();
  private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
  private static final Pattern HEADING = Pattern.compile("(?m)^#{1,6} (.+)$");

  @Test
  void everyRelativeLinkResolves() throws IOException {
    List<Path> folders = Stream.of("docs", "examples", "docker").map(ROOT::resolve).toList();
    List<Path> pages =
        sourceFiles().stream()
            .filter(f -> f.toString().endsWith(".md"))
            .filter(
                f ->
                    f.equals(ROOT.resolve("README.md")) || folders.stream().anyMatch(f::startsWith))
            .toList();
    List<String> broken = new ArrayList<>();
    int checked = 0;
    for (Path page : pages) {
      Matcher link = LINK.matcher(Files.readString(page));
      while (link.find()) {
        String target = link.group(1);
        if (target.matches("[a-z]+:.*")) {
          continue;
        }
        checked++;
        String file = target.contains("#") ? target.substring(0, target.indexOf('#')) : target;
        String anchor = target.contains("#") ? target.substring(target.indexOf('#') + 1) : null;
        Path resolved = file.isEmpty() ? page : page.getParent().resolve(file).normalize();
        if (!Files.exists(resolved)) {
          broken.add(ROOT.relativize(page) + ": " + target + " (no such file)");
        } else if (anchor != null
            && resolved.toString().endsWith(".md")
            && !anchors(resolved).contains(anchor)) {
          broken.add(ROOT.relativize(page) + ": " + target + " (no such heading)");
        }
      }
    }
    assertThat(checked).isGreaterThan(30);
    assertThat(broken).isEmpty();
  }

  /**
   * A merge left unresolved (main once carried one in docs/testing.md for a session) compiles in
   * Markdown and passes every other check.
   */
  @Test
  void noFileHoldsMergeConflictMarkers() throws IOException {
    Pattern marker = Pattern.compile("(?m)^(<{7} |={7}$|>{7} )");
    List<String> marked = new ArrayList<>();
    for (Path file : sourceFiles()) {
      if (marker.matcher(Files.readString(file)).find()) {
        marked.add(ROOT.relativize(file).toString());
      }
    }
    assertThat(marked).isEmpty();
  }

  /**
   * The project's text files, build output, node_modules and .git not entered: other modules' tests
   * run beside this one and delete files in their target/ while a walk through it would list them.
   */
  private static List<Path> sourceFiles() throws IOException {
    Pattern text = Pattern.compile(".*\\.(md|java|xml|json|ya?ml|sh|properties|mjs|html|js)");
    Set<String> skipped = Set.of("target", "node_modules", ".git");
    List<Path> files = new ArrayList<>();
    Files.walkFileTree(
        ROOT,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attributes) {
            return skipped.contains(String.valueOf(dir.getFileName()))
                ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
            if (attributes.isRegularFile() && text.matcher(file.toString()).matches()) {
              files.add(file);
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return files;
  }

  /** GitHub's heading anchors: lower case, punctuation dropped, spaces to '-'. */
  private static Set<String> anchors(Path page) throws IOException {
    Set<String> anchors = new HashSet<>();
    Matcher heading = HEADING.matcher(Files.readString(page));
    while (heading.find()) {
      anchors.add(
          heading
              .group(1)
              .trim()
              .toLowerCase(Locale.ROOT)
              .replaceAll("[^\\p{L}\\p{N} _-]", "")
              .replace(' ', '-'));
    }
    return anchors;
  }

  @Test
  void theQuickstartScreenshotIsKept() {
    assertThat(ROOT.resolve("docs/images/live-users.png")).isNotEmptyFile();
  }
}
