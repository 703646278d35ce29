package io.connectmqtt.compat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Every field and method of the APIs a Connect worker provides (Kafka's, and slf4j's, which plugins
 * must not bundle) that a jar's classes link against, read from their constant pools (JVMS §4.4):
 * what the worker must have, whichever version it is. Compiling against an older Kafka is not
 * enough, since javac can pick an overload or an inherited member that only the newer one has; the
 * bytecode says what is really called.
 */
final class WorkerApiReferences {

  /** Packages the worker provides, in internal form. */
  static final List<String> WORKER_PACKAGES = List.of("org/apache/kafka/", "org/slf4j/");

  /**
   * A member reference: {@code owner} in internal form (org/apache/kafka/...), name, JVM
   * descriptor.
   */
  record Member(String owner, String name, String descriptor) implements Comparable<Member> {
    boolean isMethod() {
      return descriptor.startsWith("(");
    }

    @Override
    public int compareTo(Member other) {
      return toString().compareTo(other.toString());
    }

    @Override
    public String toString() {
      return owner.replace('/', '.') + "." + name + descriptor;
    }
  }

  private WorkerApiReferences() {}

  static Set<Member> of(Path jar) {
    Set<Member> members = new TreeSet<>();
    try (JarFile file = new JarFile(jar.toFile())) {
      for (JarEntry entry : Collections.list((Enumeration<JarEntry>) file.entries())) {
        if (entry.getName().endsWith(".class") && !entry.getName().endsWith("module-info.class")) {
          try (InputStream in = file.getInputStream(entry)) {
            read(new DataInputStream(in), members);
          }
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(jar.toString(), e);
    }
    return members;
  }

  private static void read(DataInputStream in, Set<Member> members) throws IOException {
    in.readInt(); // magic
    in.readUnsignedShort(); // minor
    in.readUnsignedShort(); // major
    int count = in.readUnsignedShort();
    Object[] pool = new Object[count];
    int[][] refs = new int[count][];
    for (int i = 1; i < count; i++) {
      int tag = in.readUnsignedByte();
      switch (tag) {
        case 1 -> pool[i] = in.readUTF();
        case 3, 4 -> in.readInt();
        case 5, 6 -> {
          in.readLong();
          i++; // 8-byte constants take two slots
        }
        case 7, 8, 16, 19, 20 -> refs[i] = new int[] {tag, in.readUnsignedShort()};
        case 9, 10, 11, 12, 17, 18 ->
            refs[i] = new int[] {tag, in.readUnsignedShort(), in.readUnsignedShort()};
        case 15 -> {
          in.readUnsignedByte();
          in.readUnsignedShort();
        }
        default -> throw new IOException("unknown constant pool tag " + tag);
      }
    }
    for (int[] ref : refs) {
      if (ref != null && (ref[0] == 9 || ref[0] == 10 || ref[0] == 11)) {
        String owner = (String) pool[refs[ref[1]][1]];
        int[] nameAndType = refs[ref[2]];
        if (WORKER_PACKAGES.stream().anyMatch(owner::startsWith)) {
          members.add(
              new Member(owner, (String) pool[nameAndType[1]], (String) pool[nameAndType[2]]));
        }
      }
    }
  }
}
