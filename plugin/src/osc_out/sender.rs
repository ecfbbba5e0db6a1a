//! The audio thread's end of the gate queue.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use rtrb::{Producer, PushError};

use super::event::{GateEvent, GateKind};
use super::status::OscOutStatus;
use super::wake::Wake;

/// Hands gate events to the sidecar. Owned by the audio thread: [`GateSender::push`] never
/// blocks, locks or allocates.
#[derive(Debug)]
pub struct GateSender {
    /// Producer end of the lock-free queue. Audio thread only.
    producer: Producer<GateEvent>,
    /// Shared counters; the audio thread writes `dropped_queue_full` only.
    status: Arc<OscOutStatus>,
    /// Set by the audio thread when a close could not be queued; the sidecar swaps it back and
    /// closes every open gate after what it already received, so nothing stays high.
    close_all_pending: Arc<AtomicBool>,
    /// Wakes the parked sidecar after a push. Audio thread only.
    wake: Wake,
}

impl GateSender {
    pub(crate) fn new(
        producer: Producer<GateEvent>,
        status: Arc<OscOutStatus>,
        close_all_pending: Arc<AtomicBool>,
        wake: Wake,
    ) -> GateSender {
        GateSender {
            producer,
            status,
            close_all_pending,
            wake,
        }
    }

    /// Queues `event` for the sidecar and wakes it if it is parked. Real-time safe. When the queue is full the event is
    /// dropped and counted; a dropped close (or close-all) makes the sidecar close every gate.
    pub fn push(&mut self, event: GateEvent) {
        if let Err(PushError::Full(dropped)) = self.producer.push(event) {
            self.dropped(dropped);
        }
        self.wake.after_push();
    }

    /// Queues `events` so that the sidecar takes them off the queue together (the events of
    /// one piece: a lane value and the open it belongs to are never split between two turns
    /// of the sidecar), and wakes it. Real-time safe. When they do not all fit, they are pushed
    /// one by one and those that do not fit are dropped as in [`GateSender::push`].
    pub fn push_all(&mut self, events: &[GateEvent]) {
        if events.is_empty() {
            return;
        }
        match self.producer.write_chunk_uninit(events.len()) {
            Ok(chunk) => {
                chunk.fill_from_iter(events.iter().copied());
            }
            Err(_) => {
                for event in events {
                    if let Err(PushError::Full(dropped)) = self.producer.push(*event) {
                        self.dropped(dropped);
                    }
                }
            }
        }
        self.wake.after_push();
    }

    /// Counts a dropped event; a dropped close (or close-all) makes the sidecar close every
    /// gate.
    fn dropped(&self, dropped: GateEvent) {
        self.status
            .dropped_queue_full
            .fetch_add(1, Ordering::Relaxed);
        if matches!(dropped.kind, GateKind::Close | GateKind::CloseAll) {
            self.close_all_pending.store(true, Ordering::Release);
        }
    }

    /// How many events the queue holds.
    pub fn capacity(&self) -> usize {
        self.producer.buffer().capacity()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rtrb::RingBuffer;
    use std::time::Instant;

    fn sender(capacity: usize) -> (GateSender, rtrb::Consumer<GateEvent>, Arc<AtomicBool>) {
        let (producer, consumer) = RingBuffer::new(capacity);
        let flag = Arc::new(AtomicBool::new(false));
        let wake = Wake::new(Arc::new(AtomicBool::new(false)), None);
        let sender = GateSender::new(
            producer,
            Arc::new(OscOutStatus::new()),
            Arc::clone(&flag),
            wake,
        );
        (sender, consumer, flag)
    }

    #[test]
    fn dropped_open_only_counts() {
        let (mut sender, _consumer, flag) = sender(1);
        let now = Instant::now();
        sender.push(GateEvent::open(0, 100, 60, now));
        sender.push(GateEvent::open(1, 100, 60, now));
        assert_eq!(sender.status.dropped_queue_full.load(Ordering::Relaxed), 1);
        assert!(!flag.load(Ordering::Relaxed));
        assert_eq!(sender.capacity(), 1);
    }

    #[test]
    fn dropped_close_asks_for_close_all() {
        for kind in [GateKind::Close, GateKind::CloseAll] {
            let (mut sender, mut consumer, flag) = sender(1);
            let now = Instant::now();
            sender.push(GateEvent::open(0, 100, 60, now));
            sender.push(GateEvent {
                track: 0,
                kind,
                due: now,
            });
            assert_eq!(sender.status.dropped_queue_full.load(Ordering::Relaxed), 1);
            assert!(flag.load(Ordering::Relaxed));
            assert_eq!(
                consumer.pop().unwrap().kind,
                GateKind::Open {
                    velocity: 100,
                    note: 60
                }
            );
        }
    }
}
