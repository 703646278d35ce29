package io.connectmqtt.common.publish;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Per partition, the offsets handed to the broker and which of them it acknowledged. The
 * committable offset is one past the longest acknowledged prefix, so a commit never runs ahead of
 * an unacknowledged message.
 */
final class OffsetTracker {

  private static final class Pending {
    final long offset;
    boolean done;

    Pending(long offset) {
      this.offset = offset;
    }
  }

  private static final class PartitionState {
    final ArrayDeque<Pending> pending = new ArrayDeque<>();
    final Map<Long, Pending> byOffset = new HashMap<>();
    long committable = -1;
    long highestAccepted = -1;
  }

  private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();

  /** Times a committable offset moved on; a commit is worth asking for only when this changed. */
  private long progress;

  /**
   * Whether {@code offset} was already accepted (Connect redelivers a batch after a retriable
   * failure).
   */
  synchronized boolean alreadyAccepted(TopicPartition partition, long offset) {
    PartitionState state = partitions.get(partition);
    return state != null && offset <= state.highestAccepted;
  }

  synchronized void accept(TopicPartition partition, long offset) {
    PartitionState state = partitions.computeIfAbsent(partition, p -> new PartitionState());
    Pending pending = new Pending(offset);
    state.pending.addLast(pending);
    state.byOffset.put(offset, pending);
    state.highestAccepted = Math.max(state.highestAccepted, offset);
  }

  synchronized void done(TopicPartition partition, long offset) {
    PartitionState state = partitions.get(partition);
    if (state == null) {
      return;
    }
    Pending pending = state.byOffset.remove(offset);
    if (pending == null) {
      return;
    }
    pending.done = true;
    long before = state.committable;
    while (!state.pending.isEmpty() && state.pending.peekFirst().done) {
      state.committable = state.pending.pollFirst().offset + 1;
    }
    if (state.committable != before) {
      progress++;
    }
  }

  /** Offsets safe to commit: for each partition, one past its longest acknowledged prefix. */
  synchronized Map<TopicPartition, OffsetAndMetadata> committable() {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    partitions.forEach(
        (partition, state) -> {
          if (state.committable >= 0) {
            offsets.put(partition, new OffsetAndMetadata(state.committable));
          }
        });
    return offsets;
  }

  /**
   * Offsets safe to commit for the partitions of {@code current} (Connect's offsets: one past the
   * last record it consumed, delivered or dropped by a transform): one past the acknowledged prefix
   * while a message awaits its acknowledgement, else Connect's offset, so that records a Filter
   * dropped at the end of a partition are committed too. A partition still at offset 0 is left out:
   * nothing to commit.
   */
  synchronized Map<TopicPartition, OffsetAndMetadata> committable(
      Map<TopicPartition, OffsetAndMetadata> current) {
    Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
    current.forEach(
        (partition, connectOffset) -> {
          PartitionState state = partitions.get(partition);
          long offset = state == null ? -1 : state.committable;
          if ((state == null || state.pending.isEmpty()) && connectOffset != null) {
            offset = Math.max(offset, connectOffset.offset());
          }
          if (offset > 0) {
            offsets.put(partition, new OffsetAndMetadata(offset));
          }
        });
    return offsets;
  }

  /**
   * Makes {@code offset} acceptable again after a retriable failure, so that its redelivery is
   * published.
   */
  synchronized void forgetAcceptanceOf(TopicPartition partition, long offset) {
    PartitionState state = partitions.get(partition);
    if (state != null && state.highestAccepted >= offset) {
      state.highestAccepted = offset - 1;
      state.pending.removeIf(p -> p.offset >= offset);
      state.byOffset.keySet().removeIf(o -> o >= offset);
    }
  }

  synchronized long progress() {
    return progress;
  }

  synchronized int inFlight() {
    return partitions.values().stream().mapToInt(s -> s.byOffset.size()).sum();
  }

  synchronized void forget(TopicPartition partition) {
    partitions.remove(partition);
  }
}
