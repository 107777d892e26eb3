//! Gnutella 0.4 wire sizes (The Annotated Gnutella Protocol Specification v0.4, Clip2/GDF).
//!
//! Every descriptor has a 23-byte header (GUID 16, payload type 1, TTL 1, hops 1, payload
//! length 4). floodsim does not simulate search strings or file names, so it assumes a
//! typical keyword string and file name of fixed length; both are documented constants.

/// Descriptor header bytes.
pub const HEADER_BYTES: u32 = 23;
/// Assumed length of a query's search string, without its NUL terminator.
pub const SEARCH_STRING_BYTES: u32 = 16;
/// Assumed length of a shared file's name, without its NUL terminator.
pub const FILE_NAME_BYTES: u32 = 24;

/// A walker's check-in with its source, modelled as a bare descriptor header.
pub const CHECK_BYTES: u32 = HEADER_BYTES;

/// A Query: header + minimum speed (2) + search string + NUL = 42 bytes.
pub const QUERY_BYTES: u32 = HEADER_BYTES + 2 + SEARCH_STRING_BYTES + 1;

/// A QueryHit with one result: header + fixed part (hits 1, port 2, IP 4, speed 4) + result
/// (index 4, size 4, file name + NUL, empty extension block NUL) + servent id 16 = 84 bytes.
pub const QUERY_HIT_BYTES: u32 =
    HEADER_BYTES + (1 + 2 + 4 + 4) + (4 + 4 + FILE_NAME_BYTES + 1 + 1) + 16;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_follow_the_spec() {
        // Query payload is at least 3 bytes (speed + empty string + NUL); QueryHit's fixed part
        // (11 + 16 servent id) is 27 bytes and each result at least 10.
        assert_eq!(QUERY_BYTES - HEADER_BYTES - SEARCH_STRING_BYTES, 3);
        assert_eq!(QUERY_HIT_BYTES - HEADER_BYTES - FILE_NAME_BYTES, 27 + 10);
        assert_eq!((QUERY_BYTES, QUERY_HIT_BYTES), (42, 84));
    }
}
