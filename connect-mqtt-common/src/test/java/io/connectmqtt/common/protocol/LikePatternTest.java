package io.connectmqtt.common.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** SQL LIKE as PostgreSQL and H2 read it, in time linear in the text for any pattern. */
class LikePatternTest {

  private static boolean like(String text, String pattern) {
    return LikePattern.compile(pattern, false).matches(text);
  }

  @Test
  void percentIsAnyRunUnderscoreIsOneCharacter() {
    assertThat(like("user-12", "user-1%")).isTrue();
    assertThat(like("user-1", "user-1%")).as("% matches nothing too").isTrue();
    assertThat(like("user-12", "user-1_")).isTrue();
    assertThat(like("user-1", "user-1_")).as("_ needs exactly one").isFalse();
    assertThat(like("user-123", "user-1_")).isFalse();
    assertThat(like("", "")).isTrue();
    assertThat(like("a", "")).isFalse();
    assertThat(like("", "%")).isTrue();
    assertThat(like("", "%%%")).isTrue();
    assertThat(like("abc", "%b%")).isTrue();
    assertThat(like("abc", "a%c%")).isTrue();
    assertThat(like("abc", "_%_")).isTrue();
    assertThat(like("a", "_%_")).isFalse();
    assertThat(like("line1\nline2", "line1_line2"))
        .as("a newline is a character like any")
        .isTrue();
    assertThat(like("line1\nline2", "%2")).isTrue();
    assertThat(like("a.c", "a.c")).isTrue();
    assertThat(like("abc", "a.c")).as("regex characters are literal").isFalse();
    assertThat(like("a*c(", "a*c(")).isTrue();
  }

  @Test
  void backslashEscapesTheNextCharacter() {
    assertThat(like("100%", "100\\%")).isTrue();
    assertThat(like("1000", "100\\%")).isFalse();
    assertThat(like("a_b", "a\\_b")).isTrue();
    assertThat(like("axb", "a\\_b")).isFalse();
    assertThat(like("a\\b", "a\\\\b")).isTrue();
    assertThat(like("ab", "\\a\\b")).as("an escaped ordinary character is itself").isTrue();
    assertThatThrownBy(() -> LikePattern.compile("abc\\", false))
        .as("as PostgreSQL: must not end with escape")
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void charactersAreCodePoints() {
    String smile = "\uD83D\uDE00";
    assertThat(like("a" + smile + "b", "a_b")).as("one code point, two UTF-16 units").isTrue();
    assertThat(like("a" + smile + "b", "a__b")).isFalse();
    assertThat(like(smile + smile, "%" + smile)).isTrue();
  }

  @Test
  void ilikeLowerCasesBothSides() {
    assertThat(LikePattern.compile("user-1_", true).matches("USER-12")).isTrue();
    assertThat(LikePattern.compile("ZOË", true).matches("zoë")).isTrue();
    assertThat(LikePattern.compile("user-1%", false).matches("USER-12")).isFalse();
  }

  @Test
  void manyPercentSignsDoNotBacktrack() {
    String pattern = "%a%a%a%a%a%a%a%a%a%a%a%a%b";
    String as = "a".repeat(10_000);
    LikePattern compiled = LikePattern.compile(pattern, false);
    assertThat(compiled.matches(as)).isFalse();
    assertThat(compiled.matches(as + "b")).isTrue();
    assertThat(LikePattern.compile("%" + "_".repeat(300) + "%b", false).matches(as))
        .as("several words of state")
        .isFalse();
    assertThat(LikePattern.compile("%" + "a%".repeat(499) + "b", false).matches(as + "b")).isTrue();
  }

  @Test
  void agreesWithAPlainDynamicProgramOnRandomPatterns() {
    Random random = new Random(11);
    char[] alphabet = {'a', 'b', '%', '_', '\\'};
    int matched = 0;
    for (int i = 0; i < 20_000; i++) {
      String pattern = random(random, alphabet, random.nextInt(9));
      String text = random(random, new char[] {'a', 'b', '%', '_', '\\'}, random.nextInt(12));
      LikePattern compiled;
      try {
        compiled = LikePattern.compile(pattern, false);
      } catch (IllegalArgumentException endsWithEscape) {
        continue;
      }
      boolean expected = reference(text, pattern);
      assertThat(compiled.matches(text))
          .as("'" + text + "' LIKE '" + pattern + "'")
          .isEqualTo(expected);
      matched += expected ? 1 : 0;
    }
    assertThat(matched).as("both outcomes are exercised").isGreaterThan(1_000);
  }

  private static String random(Random random, char[] alphabet, int length) {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < length; i++) {
      text.append(alphabet[random.nextInt(alphabet.length)]);
    }
    return text.toString();
  }

  /** The textbook O(n·m) table over tokens: obviously right, too slow for the sink. */
  private static boolean reference(String text, String pattern) {
    StringBuilder kinds = new StringBuilder();
    StringBuilder chars = new StringBuilder();
    for (int i = 0; i < pattern.length(); i++) {
      char c = pattern.charAt(i);
      if (c == '\\') {
        kinds.append('L');
        chars.append(pattern.charAt(++i));
      } else {
        kinds.append(c == '%' ? '%' : c == '_' ? '_' : 'L');
        chars.append(c);
      }
    }
    int m = kinds.length();
    boolean[][] table = new boolean[text.length() + 1][m + 1];
    table[0][0] = true;
    for (int j = 1; j <= m; j++) {
      table[0][j] = kinds.charAt(j - 1) == '%' && table[0][j - 1];
    }
    for (int i = 1; i <= text.length(); i++) {
      for (int j = 1; j <= m; j++) {
        char kind = kinds.charAt(j - 1);
        table[i][j] =
            kind == '%'
                ? table[i - 1][j] || table[i][j - 1]
                : table[i - 1][j - 1] && (kind == '_' || chars.charAt(j - 1) == text.charAt(i - 1));
      }
    }
    return table[text.length()][m];
  }
}
