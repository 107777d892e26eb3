//! Network-level models between the kernel's [`crate::engine::Transport`] seam and the world:
//! how long each message travels.

mod geography;
mod latency;
mod matrix;

pub use geography::{Geography, PLACE_BYTES, Places};

pub use latency::{LINK_TABLE, LatencyModel, Law, LinkLatency};
pub use matrix::{MAX_MATRIX_NODES, Matrix};
