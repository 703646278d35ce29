package io.connectmqtt.common.protocol;

import java.util.Locale;
import java.util.Optional;

/**
 * The database whose {@code WHERE} a subscription's filters mean, as far as the in-memory matcher
 * must know it: how that database orders text, what one character is for LIKE's {@code _}, and how
 * {@code LOWER} (ILIKE) lower-cases. Entity sync names it in each subscription record; a record
 * without one (or naming a database not listed here) is matched with PostgreSQL's rules.
 */
public enum Database {
  /**
   * PostgreSQL with a {@code C}, {@code POSIX} or {@code C.UTF-8} collation: text in code point
   * order (UTF-8 byte order), {@code _} one code point, {@code LOWER} per code point ({@code 'ΣΑΣ'}
   * becomes {@code 'σασ'}).
   */
  POSTGRESQL(false),
  /**
   * H2: Java strings: text in UTF-16 unit order, {@code _} one UTF-16 unit (a character beyond
   * U+FFFF is two), {@code LOWER} is {@code String.toLowerCase} ({@code 'ΣΑΣ'} becomes {@code
   * 'σας'}, {@code 'İ'} two characters).
   */
  H2(true),
  /**
   * MariaDB, where entity sync compares text in {@code utf8mb4_nopad_bin} (Dialect): code point
   * order, trailing spaces count, {@code _} one code point, {@code LOWER} per code point; UUIDs of
   * versions 1 to 5 in MariaDB's own order (their groups reversed).
   */
  MARIADB(false);

  private final boolean utf16;

  Database(boolean utf16) {
    this.utf16 = utf16;
  }

  /** The word on the wire: {@code postgresql}, {@code h2}, {@code mariadb}. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The database a wire word names; empty for any other word. */
  public static Optional<Database> parse(String word) {
    if (word == null) {
      return Optional.empty();
    }
    for (Database database : values()) {
      if (database.wire().equals(word)) {
        return Optional.of(database);
      }
    }
    return Optional.empty();
  }

  /** Whether LIKE's characters are UTF-16 units (H2) rather than code points. */
  boolean likeCountsUtf16Units() {
    return utf16;
  }

  /** {@code a} compared with {@code b} as this database orders text: negative, zero or positive. */
  int compareText(String a, String b) {
    if (utf16) {
      return Integer.signum(a.compareTo(b));
    }
    int i = 0;
    int j = 0;
    while (i < a.length() && j < b.length()) {
      int x = a.codePointAt(i);
      int y = b.codePointAt(j);
      if (x != y) {
        return x < y ? -1 : 1;
      }
      i += Character.charCount(x);
      j += Character.charCount(y);
    }
    return Integer.signum((a.length() - i) - (b.length() - j));
  }

  /** {@code LOWER(text)} in this database. */
  String lower(String text) {
    if (utf16) {
      return text.toLowerCase(Locale.ENGLISH);
    }
    StringBuilder lowered = new StringBuilder(text.length());
    text.codePoints().forEach(c -> lowered.appendCodePoint(Character.toLowerCase(c)));
    return lowered.toString();
  }
}
