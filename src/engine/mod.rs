//! The kernel: the event queue, the clock and the event loop. It knows no protocol, no world,
//! no metric and no file format.
//!
//! A [`Model`] is whatever is simulated: it handles message deliveries, timers and its own
//! external inputs (the simulation layer, `sim`, feeds query starts and membership
//! changes this way), and acts only through the [`Kernel`]: the clock, [`Kernel::send`],
//! [`Kernel::set_timer`] and the model's random stream. Between a send and the delivery sits
//! the [`Transport`], which decides when a message arrives at its receiver, when the receiver
//! gets to handle it, or that it is lost; `net::LinkLatency` is the default transport.
//!
//! Events are small generic enums (no boxing) and each model is monomorphised into its own
//! loop. Events pop in a total order (time, [`EventClass`], insertion), so two runs of one
//! scenario handle the same events in the same order.

mod queue;
mod transport;

pub use queue::{EventClass, EventQueue};
pub use transport::{Arrival, Transport};

use crate::rng::SimRng;
use crate::time::{SimDuration, SimTime};
use crate::topology::NodeId;

/// How far ahead of its delivery a queued message is announced to [`Model::prefetch`].
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Ahead {
    /// Sixteen in-order deliveries ahead: time to fetch a row's offset or a counter.
    Far,
    /// Eight ahead: the offset has arrived, so the row it points to can be fetched.
    Near,
}

/// What the kernel simulates: one handler per kind of event.
pub trait Model {
    /// A message on the wire; small and `Copy`.
    type Message: Copy;
    /// A timer payload; small and `Copy`.
    type Timer: Copy;
    /// Decides when each message arrives.
    type Transport: Transport;

    /// The time of an external input due before the next queued event (`next`, if any), or
    /// `None`. The kernel then calls [`Model::on_input`] at that time.
    fn input_due(&mut self, next: Option<SimTime>) -> Option<SimTime>;

    /// Handles the input [`Model::input_due`] announced.
    fn on_input(&mut self, kernel: &mut KernelOf<Self>);

    /// `msg` from `from` is handed to `to`.
    fn on_message(
        &mut self,
        kernel: &mut KernelOf<Self>,
        to: NodeId,
        from: NodeId,
        msg: Self::Message,
    );

    /// `timer`, set with [`Kernel::set_timer`], fires at `node`.
    fn on_timer(&mut self, kernel: &mut KernelOf<Self>, node: NodeId, timer: Self::Timer);

    /// The transport lost `msg` from `from` to `to`.
    fn on_dropped(
        &mut self,
        kernel: &mut KernelOf<Self>,
        to: NodeId,
        from: NodeId,
        msg: Self::Message,
    );

    /// A hint that `msg` will reach `to` soon; prefetching changes no result.
    fn prefetch(&self, _to: NodeId, _msg: &Self::Message, _ahead: Ahead) {}

    /// Whether `node` can receive messages now (a transport that queues asks before
    /// queueing); always, unless the model says otherwise.
    #[inline]
    fn online(&self, _node: NodeId) -> bool {
        true
    }
}

/// The kernel a model of type `M` runs on.
pub type KernelOf<M> = Kernel<<M as Model>::Message, <M as Model>::Timer, <M as Model>::Transport>;

/// Something that happens at an instant.
#[derive(Copy, Clone)]
enum Event<M, T> {
    /// A message reaches its receiver; the transport says when it is handled.
    Arrive {
        to: NodeId,
        from: NodeId,
        msg: M,
    },
    /// The message the transport held back in slot `.0` of the kernel's held messages is
    /// handled now. (Held messages wait outside the queue, so a queued event stays as small as
    /// a message.)
    Handle(u32),
    Timer {
        node: NodeId,
        timer: T,
    },
}

/// A message the transport held back: handled later at its receiver.
#[derive(Copy, Clone)]
struct Held<M> {
    to: NodeId,
    from: NodeId,
    msg: M,
}

/// The clock, the queue, the transport and the model's random stream: all a model acts
/// through.
pub struct Kernel<M, T, X> {
    now: SimTime,
    queue: EventQueue<Event<M, T>>,
    transport: X,
    rng: SimRng,
    events: u64,
    /// Messages held back by the transport, by slot; free slots are reused.
    held: Vec<Held<M>>,
    free_held: Vec<u32>,
}

impl<M: Copy, T: Copy, X: Transport> Kernel<M, T, X> {
    /// A kernel at time zero with an empty queue.
    pub fn new(transport: X, rng: SimRng) -> Self {
        Kernel {
            now: SimTime::ZERO,
            queue: EventQueue::new(),
            transport,
            rng,
            events: 0,
            held: Vec::new(),
            free_held: Vec::new(),
        }
    }

    /// The current simulated time.
    #[inline]
    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Sends `msg` from `from` to `to`; the transport decides when it arrives, or loses it
    /// (then the model hears of it through [`Model::on_dropped`] when it would have arrived:
    /// at once). Returns when it reaches the receiver.
    #[inline]
    pub fn send(&mut self, from: NodeId, to: NodeId, msg: M) -> SimTime {
        let at = self.now + self.transport.latency(self.now, from, to);
        self.queue
            .push(at, EventClass::Delivery, Event::Arrive { to, from, msg });
        at
    }

    /// Fires `timer` at `node` after `delay`.
    pub fn set_timer(&mut self, node: NodeId, delay: SimDuration, timer: T) {
        self.queue.push(
            self.now + delay,
            EventClass::Timer,
            Event::Timer { node, timer },
        );
    }

    /// The model's own random stream.
    #[inline]
    pub fn rng(&mut self) -> &mut SimRng {
        &mut self.rng
    }

    /// Events handled so far (inputs included).
    pub fn events(&self) -> u64 {
        self.events
    }

    /// The transport, once the run is over.
    pub fn into_transport(self) -> X {
        self.transport
    }

    /// Runs `model` until no event and no input is left.
    pub fn run<D>(&mut self, model: &mut D)
    where
        D: Model<Message = M, Timer = T, Transport = X>,
    {
        // Whether held messages are announced to the model's prefetching too.
        let held = self.transport.holds();
        loop {
            if let Some(t) = model.input_due(self.queue.peek_time()) {
                self.advance(t);
                model.on_input(self);
                continue;
            }
            let Some((time, event)) = self.queue.pop() else {
                break;
            };
            self.advance(time);
            self.announce(model, held, PREFETCH_AHEAD, Ahead::Far);
            self.announce(model, held, PREFETCH_AHEAD / 2, Ahead::Near);
            match event {
                Event::Arrive { to, from, msg } => {
                    match self.transport.arrive(self.now, to, || model.online(to)) {
                        Arrival::Now => model.on_message(self, to, from, msg),
                        Arrival::At(at) => self.hold(at, Held { to, from, msg }),
                        Arrival::Dropped => model.on_dropped(self, to, from, msg),
                    }
                }
                Event::Handle(slot) => {
                    self.free_held.push(slot);
                    let Held { to, from, msg } = self.held[slot as usize];
                    model.on_message(self, to, from, msg);
                }
                Event::Timer { node, timer } => model.on_timer(self, node, timer),
            }
        }
    }

    /// Tells `model` of the message handed over `ahead` events after the next one, if that is
    /// a delivery: arriving (in the FIFO) or, if `held`, held back (in the calendar's
    /// drained bucket).
    #[inline(always)]
    fn announce<D>(&self, model: &D, held: bool, ahead: usize, stage: Ahead)
    where
        D: Model<Message = M, Timer = T, Transport = X>,
    {
        let event = self.queue.peek_in_order(ahead);
        if let Some(Event::Arrive { to, msg, .. }) = event {
            model.prefetch(*to, msg, stage);
        } else if held
            && let Some(&Event::Handle(slot)) = event
            && let Some(message) = self.held.get(slot as usize)
        {
            model.prefetch(message.to, &message.msg, stage);
        }
    }

    /// Keeps `held` until `at`, when its receiver handles it.
    fn hold(&mut self, at: SimTime, held: Held<M>) {
        let slot = match self.free_held.pop() {
            Some(slot) => {
                self.held[slot as usize] = held;
                slot
            }
            None => {
                self.held.push(held);
                (self.held.len() - 1) as u32
            }
        };
        self.queue
            .push_later(at, EventClass::Delivery, Event::Handle(slot));
    }

    #[inline]
    fn advance(&mut self, time: SimTime) {
        assert!(
            time >= self.now,
            "simulated time ran backwards: {time} after {}",
            self.now
        );
        self.now = time;
        self.events += 1;
    }
}

/// How many in-order deliveries ahead the kernel announces a message to [`Model::prefetch`]
/// ([`Ahead::Far`]; [`Ahead::Near`] is half as far).
const PREFETCH_AHEAD: usize = 16;

/// Bytes one queued event with messages `M` and timers `T` takes in the event queue: (in
/// order, in the FIFO; out of order, in the heap).
pub fn queued_event_bytes<M, T>() -> (usize, usize) {
    queue::entry_bytes::<Event<M, T>>()
}

/// Bytes the event queue's calendar takes besides its events when `events` events with
/// messages `M` and timers `T` are queued out of order.
pub fn calendar_overhead_bytes<M, T>(events: usize) -> usize {
    queue::calendar_overhead_bytes::<Event<M, T>>(events)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::{Sample, StreamKind, stream};

    /// One FIFO server per node: a message waits for the messages before it, then takes
    /// `service` to process; the receiver handles it when processing ends.
    struct FifoServers {
        service: SimDuration,
        busy_until: Vec<SimTime>,
    }

    impl Transport for FifoServers {
        fn latency(&mut self, _: SimTime, _: NodeId, _: NodeId) -> SimDuration {
            SimDuration::ZERO
        }
        fn arrive(&mut self, now: SimTime, to: NodeId, _: impl FnOnce() -> bool) -> Arrival {
            let done = self.busy_until[to as usize].max(now) + self.service;
            self.busy_until[to as usize] = done;
            Arrival::At(done)
        }
    }

    /// Poisson arrivals at node 0; records each message's wait before its service began.
    struct Arrivals {
        next: Vec<SimTime>,
        waits: Vec<u64>,
        service: SimDuration,
    }

    impl Model for Arrivals {
        type Message = SimTime;
        type Timer = ();
        type Transport = FifoServers;

        fn input_due(&mut self, next: Option<SimTime>) -> Option<SimTime> {
            let a = *self.next.last()?;
            next.is_none_or(|t| a < t).then_some(a)
        }
        fn on_input(&mut self, k: &mut KernelOf<Self>) {
            self.next.pop();
            let now = k.now();
            k.send(1, 0, now);
        }
        fn on_message(&mut self, k: &mut KernelOf<Self>, _: NodeId, _: NodeId, sent: SimTime) {
            self.waits
                .push(k.now().since(sent).micros() - self.service.micros());
        }
        fn on_timer(&mut self, _: &mut KernelOf<Self>, _: NodeId, _: ()) {}
        fn on_dropped(&mut self, _: &mut KernelOf<Self>, _: NodeId, _: NodeId, _: SimTime) {
            unreachable!("an unbounded queue drops nothing")
        }
    }

    #[test]
    fn held_messages_queue_as_an_m_d_1_server_predicts() {
        // M/D/1: mean wait in queue ρ / (2μ(1 − ρ)) for arrival rate λ = ρμ.
        let service = SimDuration::from_millis(1);
        let mu = 1000.0;
        for rho in [0.3, 0.6, 0.9] {
            let mut rng = stream(7, 0, StreamKind::Workload, 0);
            let mut t = SimTime::ZERO;
            let mut next: Vec<SimTime> = (0..400_000)
                .map(|_| {
                    t = t + SimDuration::from_secs_f64(rng.exponential(1.0 / (rho * mu)));
                    t
                })
                .collect();
            next.reverse();
            let mut model = Arrivals {
                next,
                waits: Vec::new(),
                service,
            };
            let transport = FifoServers {
                service,
                busy_until: vec![SimTime::ZERO; 2],
            };
            let mut kernel = Kernel::new(transport, stream(7, 0, StreamKind::Protocol, 0));
            kernel.run(&mut model);
            assert_eq!(model.waits.len(), 400_000, "every message was handled");
            let mean_us = model.waits.iter().sum::<u64>() as f64 / 400_000.0;
            let theory_us = 1e6 * rho / (2.0 * mu * (1.0 - rho));
            // Waits are strongly correlated near saturation: allow 5% at ρ ≤ 0.6, 15% at 0.9.
            let tolerance = if rho > 0.8 { 0.15 } else { 0.05 };
            assert!(
                (mean_us - theory_us).abs() < tolerance * theory_us,
                "ρ = {rho}: mean wait {mean_us:.1} µs, M/D/1 {theory_us:.1} µs"
            );
        }
    }
}
