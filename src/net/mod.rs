//! Network-level models between the kernel's [`crate::engine::Transport`] seam and the world:
//! how long each message travels.

mod latency;

pub use latency::{LINK_TABLE, LatencyModel, Law, LinkLatency};
