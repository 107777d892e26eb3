//! Search strategies: the unstructured search mechanisms (flooding in rings, walkers), each a
//! [`crate::sim::Protocol`], and the registry of search kinds a scenario names ([`kinds`]).

mod central;
mod flood;
mod gia;
pub mod gnutella;
pub mod kinds;
pub mod qrp;
mod walk;

pub use central::{CentralIndex, CentralMessage};
pub use flood::{
    DynamicConfig, FloodConfig, FloodMessage, Flooding, LEAF_HORIZON, Launch, Routing, hosts,
    next_ttl,
};
pub use gia::{Gia, GiaConfig, GiaMessage, GiaTimer, WARMUP_ROUNDS};
pub use kinds::{KINDS, Kind, Runner, Search, Sizing};
pub use walk::{StepRule, Walk, WalkConfig, WalkMessage};
