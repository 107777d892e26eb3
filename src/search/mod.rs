//! Search strategies: the unstructured search mechanisms (flooding in rings, walkers), each a
//! [`crate::sim::Protocol`], and the registry of search kinds a scenario names ([`kinds`]).

mod central;
mod flood;
mod gia;
pub mod gnutella;
pub mod kinds;
mod walk;

pub use central::{CentralIndex, CentralMessage};
pub use flood::{FloodConfig, FloodMessage, Flooding, Routing};
pub use gia::{Gia, GiaConfig, GiaMessage, GiaTimer, WARMUP_ROUNDS};
pub use kinds::{KINDS, Kind, Runner, Search, Sizing};
pub use walk::{StepRule, Walk, WalkConfig, WalkMessage};
