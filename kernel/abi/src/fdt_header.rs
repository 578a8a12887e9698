//! The one fact about a flattened device tree that every boot stage needs
//! before parsing: how long the blob is (the DT is handed over by address).

/// FDT magic, big-endian in the blob.
pub const FDT_MAGIC: u32 = 0xd00d_feed;

/// Returns the blob's `totalsize` if `header` starts with a valid FDT header
/// and that size lies within `max`.
pub fn total_size(header: &[u8], max: usize) -> Option<usize> {
    let word = |at: usize| header.get(at..at + 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
    if word(0)? != FDT_MAGIC {
        return None;
    }
    let size = word(4)? as usize;
    (40..=max).contains(&size).then_some(size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_totalsize() {
        let mut h = [0u8; 40];
        h[..4].copy_from_slice(&FDT_MAGIC.to_be_bytes());
        h[4..8].copy_from_slice(&0x1000u32.to_be_bytes());
        assert_eq!(total_size(&h, 1 << 20), Some(0x1000));
        assert_eq!(total_size(&h, 0x800), None);
        assert_eq!(total_size(&h[..6], 1 << 20), None);
        h[0] = 0;
        assert_eq!(total_size(&h, 1 << 20), None);
    }
}
