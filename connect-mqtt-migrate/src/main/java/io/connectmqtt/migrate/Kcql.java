package io.connectmqtt.migrate;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One statement of stream-reactor's KCQL as its MQTT connectors use it: {@code INSERT INTO target
 * SELECT * FROM source [WITHCONVERTER=`class`] [WITHKEY(a, b.c)] [KEYDELIMITER='.']
 * [WITHTARGET=field] [WITHREGEX=`regex`] [PROPERTIES('k'='v', ...)]}. Keywords in any case; names
 * bare, in backticks or in single quotes. Clauses this parser does not know are kept, as written,
 * in {@link #otherClauses} so that the translator can report them instead of dropping them.
 */
record Kcql(
    String statement,
    String target,
    String source,
    List<String> fields,
    String withConverter,
    List<String> withKeys,
    String keyDelimiter,
    String withTarget,
    String withRegex,
    Map<String, String> properties,
    List<String> otherClauses) {

  /** Statements separated by ';' (outside quotes), empty ones ignored. */
  static List<Kcql> parseAll(String text) {
    List<Kcql> statements = new ArrayList<>();
    for (String statement : splitStatements(text)) {
      if (!statement.isBlank()) {
        statements.add(parse(statement.trim()));
      }
    }
    if (statements.isEmpty()) {
      throw new IllegalArgumentException("no KCQL statement in '" + text + "'");
    }
    return statements;
  }

  static Kcql parse(String statement) {
    Tokens tokens = new Tokens(statement);
    tokens.expectKeyword("INSERT");
    tokens.expectKeyword("INTO");
    String target = tokens.name();
    tokens.expectKeyword("SELECT");
    List<String> fields = new ArrayList<>();
    do {
      fields.add(tokens.name());
    } while (tokens.skip(","));
    tokens.expectKeyword("FROM");
    String source = tokens.name();
    String converter = null;
    List<String> keys = List.of();
    String delimiter = null;
    String withTarget = null;
    String regex = null;
    Map<String, String> properties = new LinkedHashMap<>();
    List<String> other = new ArrayList<>();
    while (!tokens.atEnd()) {
      int clauseStart = tokens.position();
      String word = tokens.word().toUpperCase(Locale.ROOT);
      switch (word) {
        case "WITHCONVERTER" -> converter = tokens.assignedName();
        case "KEYDELIMITER" -> delimiter = tokens.assignedName();
        case "WITHTARGET" -> withTarget = tokens.assignedName();
        case "WITHREGEX" -> regex = tokens.assignedName();
        case "WITHKEY" -> keys = tokens.nameList();
        case "PROPERTIES" -> {
          tokens.expect("(");
          do {
            String key = tokens.name();
            tokens.expect("=");
            properties.put(key, tokens.name());
          } while (tokens.skip(","));
          tokens.expect(")");
        }
        default -> {
          tokens.skipClause();
          other.add(statement.substring(clauseStart, tokens.position()).trim());
        }
      }
    }
    return new Kcql(
        statement,
        target,
        source,
        List.copyOf(fields),
        converter,
        keys,
        delimiter,
        withTarget,
        regex,
        Map.copyOf(properties),
        List.copyOf(other));
  }

  boolean selectsAll() {
    return fields.equals(List.of("*"));
  }

  private static List<String> splitStatements(String text) {
    List<String> parts = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    char quote = 0;
    for (char c : text.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        }
      } else if (c == '`' || c == '\'') {
        quote = c;
      } else if (c == ';') {
        parts.add(current.toString());
        current.setLength(0);
        continue;
      }
      current.append(c);
    }
    parts.add(current.toString());
    return parts;
  }

  /** A cursor over one statement. */
  private static final class Tokens {
    private final String text;
    private int pos;

    Tokens(String text) {
      this.text = text;
    }

    int position() {
      return pos;
    }

    boolean atEnd() {
      skipSpace();
      return pos >= text.length();
    }

    void expectKeyword(String keyword) {
      String word = word();
      if (!word.equalsIgnoreCase(keyword)) {
        throw error("expected " + keyword + " but found '" + word + "'");
      }
    }

    void expect(String symbol) {
      if (!skip(symbol)) {
        throw error("expected '" + symbol + "'");
      }
    }

    boolean skip(String symbol) {
      skipSpace();
      if (text.startsWith(symbol, pos)) {
        pos += symbol.length();
        return true;
      }
      return false;
    }

    /** A keyword: letters only. */
    String word() {
      skipSpace();
      int start = pos;
      while (pos < text.length() && Character.isLetter(text.charAt(pos))) {
        pos++;
      }
      if (start == pos) {
        throw error("expected a keyword");
      }
      return text.substring(start, pos);
    }

    /**
     * A name: quoted in backticks or single quotes, or bare up to white space, ',', '=', '(' or
     * ')'.
     */
    String name() {
      skipSpace();
      if (pos >= text.length()) {
        throw error("expected a name");
      }
      char first = text.charAt(pos);
      if (first == '`' || first == '\'') {
        int end = text.indexOf(first, pos + 1);
        if (end < 0) {
          throw error("unclosed " + first);
        }
        String name = text.substring(pos + 1, end);
        pos = end + 1;
        return name;
      }
      int start = pos;
      while (pos < text.length()
          && !Character.isWhitespace(text.charAt(pos))
          && ",=()".indexOf(text.charAt(pos)) < 0) {
        pos++;
      }
      if (start == pos) {
        throw error("expected a name");
      }
      return text.substring(start, pos);
    }

    /** {@code = name}. */
    String assignedName() {
      expect("=");
      return name();
    }

    /** {@code (a, b, c)}. */
    List<String> nameList() {
      expect("(");
      List<String> names = new ArrayList<>();
      do {
        names.add(name());
      } while (skip(","));
      expect(")");
      return List.copyOf(names);
    }

    /** An unknown clause: an optional {@code = name} or parenthesised list after its keyword. */
    void skipClause() {
      skipSpace();
      if (skip("=")) {
        name();
      } else if (pos < text.length() && text.charAt(pos) == '(') {
        int depth = 0;
        do {
          char c = text.charAt(pos++);
          depth += c == '(' ? 1 : c == ')' ? -1 : 0;
        } while (depth > 0 && pos < text.length());
      }
    }

    private void skipSpace() {
      while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
        pos++;
      }
    }

    private IllegalArgumentException error(String message) {
      return new IllegalArgumentException(
          "KCQL '" + text + "' at position " + pos + ": " + message);
    }
  }
}
