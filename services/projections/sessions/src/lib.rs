//! The sessions projection (being written).
