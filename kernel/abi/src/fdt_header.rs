//! The facts about the flattened device tree every boot stage needs: how long
//! the blob is (the DT is handed over by address) and where normal-world RAM is.

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

/// Returns `[start, end)` of the first `/memory` node's first range (the NS RAM
/// QEMU gives Linux), assuming the root's 2 address and 2 size cells.
#[cfg(feature = "fdt")]
pub fn ns_memory(blob: &[u8]) -> Option<(u64, u64)> {
    use dtoolkit::fdt::Fdt;
    use dtoolkit::{Node, Property};
    let fdt = Fdt::new(blob).ok()?;
    for node in fdt.root().children() {
        let is_memory = node.property("device_type").is_some_and(|p| p.value() == b"memory\0");
        // QEMU marks secure-only RAM `status = "disabled"`; that is not ours to give.
        let disabled = node.property("status").is_some_and(|p| p.value() != b"okay\0");
        if !is_memory || disabled {
            continue;
        }
        let Some(reg) = node.property("reg") else { continue };
        let v = reg.value();
        if v.len() < 16 {
            continue;
        }
        let be64 = |b: &[u8]| b.iter().fold(0u64, |acc, x| (acc << 8) | u64::from(*x));
        let (start, size) = (be64(&v[..8]), be64(&v[8..16]));
        return Some((start, start.saturating_add(size)));
    }
    None
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
