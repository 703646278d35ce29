package io.connectmqtt.common.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * A SQL LIKE pattern compiled once: {@code %} any run of characters, {@code _} exactly one
 * character, and the default escape character of PostgreSQL and H2, a backslash, makes the next
 * character literal. Characters are what the {@link Database} counts: code points in PostgreSQL,
 * UTF-16 units in H2. ILIKE lower-cases both sides first with the database's {@code LOWER}, as the
 * request processor's {@code LOWER(column) LIKE LOWER(?)} does.
 *
 * <p>Matching runs the pattern's automaton over bit sets, one step per character of the text: time
 * is text length times pattern length / 64, without backtracking, whatever the pattern (a regular
 * expression with many {@code .*} backtracks exponentially on a near miss).
 */
final class LikePattern {

  static final char ESCAPE = '\\';

  private final boolean ignoreCase;
  private final Database database;

  /** Tokens are numbered 0..n-1; state i means "the first i tokens matched", state n accepts. */
  private final int acceptState;

  private final long[] stars;

  /** Per literal code point, the tokens it satisfies (its own literals and every '_'). */
  private final Map<Integer, long[]> byCodePoint = new HashMap<>();

  /** The tokens any other code point satisfies: the '_'s. */
  private final long[] anyOne;

  private final long[] start;

  private LikePattern(String pattern, boolean ignoreCase, Database database) {
    this.ignoreCase = ignoreCase;
    this.database = database;
    String source = ignoreCase ? database.lower(pattern) : pattern;
    // Tokens: a code point >= 0 is a literal, -1 is '_', -2 is '%'; consecutive '%' collapse into
    // one.
    int[] tokens = new int[source.length()];
    int count = 0;
    for (int i = 0; i < source.length(); ) {
      int c = character(source, i);
      i += width(c);
      if (c == ESCAPE) {
        if (i >= source.length()) {
          throw new IllegalArgumentException(
              "a like pattern must not end with the escape character '\\'");
        }
        c = character(source, i);
        i += width(c);
        tokens[count++] = c;
      } else if (c == '%') {
        if (count == 0 || tokens[count - 1] != -2) {
          tokens[count++] = -2;
        }
      } else {
        tokens[count++] = c == '_' ? -1 : c;
      }
    }
    acceptState = count;
    int words = (count + 1 + 63) / 64;
    stars = new long[words];
    anyOne = new long[words];
    for (int i = 0; i < count; i++) {
      if (tokens[i] == -2) {
        stars[i >>> 6] |= 1L << i;
      } else if (tokens[i] == -1) {
        anyOne[i >>> 6] |= 1L << i;
      }
    }
    for (int i = 0; i < count; i++) {
      if (tokens[i] >= 0) {
        byCodePoint.computeIfAbsent(tokens[i], c -> anyOne.clone())[i >>> 6] |= 1L << i;
      }
    }
    start = new long[words];
    start[0] = 1L;
    closeOverStars(start);
  }

  /**
   * The pattern compiled; an {@link IllegalArgumentException} for a pattern the databases refuse
   * (one that ends with the escape character).
   */
  static LikePattern compile(String pattern, boolean ignoreCase) {
    return compile(pattern, ignoreCase, Database.POSTGRESQL);
  }

  static LikePattern compile(String pattern, boolean ignoreCase, Database database) {
    return new LikePattern(pattern, ignoreCase, database);
  }

  /** The character at {@code index}: a code point, or in H2 a UTF-16 unit. */
  private int character(String text, int index) {
    return database.likeCountsUtf16Units() ? text.charAt(index) : text.codePointAt(index);
  }

  private int width(int character) {
    return database.likeCountsUtf16Units() ? 1 : Character.charCount(character);
  }

  boolean matches(String text) {
    String subject = ignoreCase ? database.lower(text) : text;
    long[] states = start.clone();
    long[] next = new long[states.length];
    for (int i = 0; i < subject.length(); ) {
      int c = character(subject, i);
      i += width(c);
      long[] accepting = byCodePoint.getOrDefault(c, anyOne);
      // next = ((states & accepting) << 1) | (states & stars): a token consumed, or '%' absorbing
      // the character.
      long carry = 0;
      boolean any = false;
      for (int w = 0; w < states.length; w++) {
        long consumed = states[w] & accepting[w];
        next[w] = (consumed << 1) | carry | (states[w] & stars[w]);
        carry = consumed >>> 63;
        any |= next[w] != 0;
      }
      if (!any) {
        return false;
      }
      closeOverStars(next);
      long[] swap = states;
      states = next;
      next = swap;
    }
    return (states[acceptState >>> 6] & (1L << acceptState)) != 0;
  }

  /**
   * A '%' also matches nothing: being before it means being after it too (no two '%' are adjacent).
   */
  private void closeOverStars(long[] states) {
    long carry = 0;
    for (int w = 0; w < states.length; w++) {
      long before = states[w] & stars[w];
      states[w] |= (before << 1) | carry;
      carry = before >>> 63;
    }
  }
}
