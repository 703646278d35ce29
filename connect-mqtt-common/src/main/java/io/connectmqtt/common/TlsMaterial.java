package io.connectmqtt.common;

import io.connectmqtt.common.TlsConfig.TlsSettings;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.kafka.common.config.types.Password;

/** Loads trust and key material from PEM files or JKS/PKCS12 stores. */
public final class TlsMaterial {

  private static final Pattern PEM_BLOCK =
      Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
  private static final char[] EPHEMERAL_PASSWORD = "connect-mqtt".toCharArray();

  private TlsMaterial() {}

  /** The trust managers, or empty for the JVM default trust store. */
  public static Optional<TrustManagerFactory> trustManagers(TlsSettings tls) {
    if (tls.truststoreLocation().isEmpty()) {
      return Optional.empty();
    }
    String location = tls.truststoreLocation().get();
    try {
      KeyStore store;
      if (TlsConfig.STORE_TYPE_PEM.equals(tls.truststoreType())) {
        store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        int index = 0;
        for (Certificate certificate : readCertificates(Path.of(location))) {
          store.setCertificateEntry("ca-" + index++, certificate);
        }
        if (index == 0) {
          throw new TlsConfigurationException(
              "No certificate found in PEM trust store " + location);
        }
      } else {
        store = loadStore(location, tls.truststoreType(), tls.truststorePassword());
      }
      TrustManagerFactory factory =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      factory.init(store);
      return Optional.of(factory);
    } catch (IOException | GeneralSecurityException e) {
      throw new TlsConfigurationException(
          "Cannot read trust store " + location + ": " + e.getMessage(), e);
    }
  }

  /** The key managers for mutual TLS, or empty when no client certificate is configured. */
  public static Optional<KeyManagerFactory> keyManagers(TlsSettings tls) {
    if (tls.keystoreLocation().isEmpty()) {
      return Optional.empty();
    }
    String location = tls.keystoreLocation().get();
    try {
      KeyStore store;
      char[] keyPassword;
      if (TlsConfig.STORE_TYPE_PEM.equals(tls.keystoreType())) {
        String keyLocation =
            tls.keyLocation()
                .orElseThrow(
                    () ->
                        new TlsConfigurationException(
                            "A PEM key store needs "
                                + TlsConfig.SSL_KEY_LOCATION_CONFIG
                                + " (the private key file)"));
        List<Certificate> chain = readCertificates(Path.of(location));
        if (chain.isEmpty()) {
          throw new TlsConfigurationException("No certificate found in PEM key store " + location);
        }
        PrivateKey key =
            readPrivateKey(Path.of(keyLocation), chain.get(0).getPublicKey().getAlgorithm());
        store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setKeyEntry("client", key, EPHEMERAL_PASSWORD, chain.toArray(new Certificate[0]));
        keyPassword = EPHEMERAL_PASSWORD;
      } else {
        store = loadStore(location, tls.keystoreType(), tls.keystorePassword());
        Password password = tls.keyPassword() != null ? tls.keyPassword() : tls.keystorePassword();
        keyPassword = password == null ? new char[0] : password.value().toCharArray();
      }
      KeyManagerFactory factory =
          KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      factory.init(store, keyPassword);
      return Optional.of(factory);
    } catch (IOException | GeneralSecurityException e) {
      throw new TlsConfigurationException(
          "Cannot read key store " + location + ": " + e.getMessage(), e);
    }
  }

  private static KeyStore loadStore(String location, String type, Password password)
      throws IOException, GeneralSecurityException {
    KeyStore store = KeyStore.getInstance(type);
    try (InputStream in = Files.newInputStream(Path.of(location))) {
      store.load(in, password == null ? null : password.value().toCharArray());
    }
    return store;
  }

  static List<Certificate> readCertificates(Path path)
      throws IOException, GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<Certificate> certificates = new ArrayList<>();
    Matcher matcher = PEM_BLOCK.matcher(Files.readString(path, StandardCharsets.US_ASCII));
    while (matcher.find()) {
      if ("CERTIFICATE".equals(matcher.group(1))) {
        certificates.add(
            factory.generateCertificate(new ByteArrayInputStream(decode(matcher.group(2)))));
      }
    }
    return certificates;
  }

  static PrivateKey readPrivateKey(Path path, String algorithm)
      throws IOException, GeneralSecurityException {
    Matcher matcher = PEM_BLOCK.matcher(Files.readString(path, StandardCharsets.US_ASCII));
    while (matcher.find()) {
      if ("PRIVATE KEY".equals(matcher.group(1))) {
        return KeyFactory.getInstance(algorithm)
            .generatePrivate(new PKCS8EncodedKeySpec(decode(matcher.group(2))));
      }
      if (matcher.group(1).endsWith("PRIVATE KEY")) {
        throw new TlsConfigurationException(
            "The key in "
                + path
                + " is '"
                + matcher.group(1)
                + "'; convert it to unencrypted PKCS#8: openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem");
      }
    }
    throw new TlsConfigurationException("No 'BEGIN PRIVATE KEY' block in " + path);
  }

  private static byte[] decode(String base64Body) {
    return Base64.getMimeDecoder().decode(base64Body);
  }

  /** TLS material that cannot be used, with words that say what to fix. */
  public static final class TlsConfigurationException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public TlsConfigurationException(String message) {
      super(message);
    }

    public TlsConfigurationException(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
