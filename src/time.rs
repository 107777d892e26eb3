//! Simulated time: integer microseconds, so the event order never depends on floating point.

use std::fmt;
use std::ops::{Add, Sub};

/// A point in simulated time, in microseconds since the start of a run.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

/// A span of simulated time, in microseconds.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimDuration(pub u64);

impl SimTime {
    /// The start of every run.
    pub const ZERO: SimTime = SimTime(0);

    /// Microseconds since the start of the run.
    pub fn micros(self) -> u64 {
        self.0
    }

    /// Time elapsed since `earlier` (saturating at zero).
    pub fn since(self, earlier: SimTime) -> SimDuration {
        SimDuration(self.0.saturating_sub(earlier.0))
    }
}

impl SimDuration {
    /// No time at all.
    pub const ZERO: SimDuration = SimDuration(0);

    /// A duration of whole milliseconds.
    pub fn from_millis(ms: u64) -> Self {
        SimDuration(ms.saturating_mul(1_000))
    }

    /// A duration of whole seconds.
    pub fn from_secs(s: u64) -> Self {
        SimDuration(s.saturating_mul(1_000_000))
    }

    /// A duration from fractional milliseconds, rounded to the nearest microsecond.
    /// Negative or NaN inputs give zero; callers validate their inputs first.
    pub fn from_millis_f64(ms: f64) -> Self {
        SimDuration(round_to_u64(ms * 1_000.0))
    }

    /// A duration from fractional seconds, rounded to the nearest microsecond.
    pub fn from_secs_f64(s: f64) -> Self {
        SimDuration(round_to_u64(s * 1_000_000.0))
    }

    /// Microseconds in this duration.
    pub fn micros(self) -> u64 {
        self.0
    }
}

fn round_to_u64(x: f64) -> u64 {
    if x.is_nan() || x <= 0.0 {
        0
    } else if x >= u64::MAX as f64 {
        u64::MAX
    } else {
        libm::round(x) as u64
    }
}

impl Add<SimDuration> for SimTime {
    type Output = SimTime;
    fn add(self, d: SimDuration) -> SimTime {
        SimTime(self.0.saturating_add(d.0))
    }
}

impl Sub<SimTime> for SimTime {
    type Output = SimDuration;
    fn sub(self, earlier: SimTime) -> SimDuration {
        self.since(earlier)
    }
}

/// Formats microseconds as milliseconds with exactly three decimals (`1234567` -> `1234.567`),
/// the form every CSV column ending in `_ms` uses. Integer arithmetic keeps it byte-stable.
pub fn format_micros_as_ms(us: u64) -> String {
    let mut out = Vec::with_capacity(24);
    push_micros_as_ms(&mut out, us);
    String::from_utf8(out).expect("ASCII digits")
}

/// Appends `us` as [`format_micros_as_ms`] writes it, without allocating.
pub fn push_micros_as_ms(out: &mut Vec<u8>, us: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(us / 1_000).as_bytes());
    let frac = us % 1_000;
    let digit = |d: u64| b'0' + d as u8;
    out.extend_from_slice(&[
        b'.',
        digit(frac / 100),
        digit(frac / 10 % 10),
        digit(frac % 10),
    ]);
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ms", format_micros_as_ms(self.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conversions_round_to_microseconds() {
        assert_eq!(SimDuration::from_millis_f64(1.2345).micros(), 1_235);
        assert_eq!(SimDuration::from_secs_f64(0.5).micros(), 500_000);
        assert_eq!(SimDuration::from_millis_f64(-3.0).micros(), 0);
        assert_eq!((SimTime(10) + SimDuration(5)).micros(), 15);
        assert_eq!(SimTime(3) - SimTime(10), SimDuration::ZERO);
        assert_eq!(format_micros_as_ms(1_234_567), "1234.567");
        assert_eq!(format_micros_as_ms(7), "0.007");
        assert_eq!(format_micros_as_ms(u64::MAX), "18446744073709551.615");
        for us in [0, 9, 10, 99, 100, 999, 1_000, 1_001, 65_010, 123_456_789] {
            assert_eq!(
                format_micros_as_ms(us),
                format!("{}.{:03}", us / 1_000, us % 1_000)
            );
        }
    }
}
