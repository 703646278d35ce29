package io.connectmqtt.entitysync;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.TextNode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.CharRange;
import net.jqwik.api.constraints.Chars;

/**
 * {@link RequestFingerprint#quoted}, property-based (a class of its own: jqwik's and JUnit's
 * reports of one class would overwrite each other).
 */
class RequestFingerprintQuotingTest {

  /** Strings as Jackson writes them in JSON: the fingerprints of earlier releases depend on it. */
  @Property
  void aStringIsQuotedAsJacksonWritesIt(@ForAll String value) {
    assertThat(RequestFingerprint.quoted(new StringBuilder(), value).toString())
        .isEqualTo(TextNode.valueOf(value).toString());
  }

  @Property
  void escapedCharactersAreQuotedAsJacksonWritesThem(
      @ForAll @CharRange(from = '\u0000', to = '\u0020') @Chars({'"', '\\', '/', '\u007f'})
          String value) {
    aStringIsQuotedAsJacksonWritesIt(value);
  }
}
