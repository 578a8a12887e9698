//! Erasing the secure world's boot seeds from the normal world's DT.
//!
//! QEMU `virt` with `secure=on` writes random `rng-seed` and `kaslr-seed`
//! properties into `/secure-chosen` of the DT it leaves in NS RAM. The
//! trusted OS (ours or upstream OP-TEE) reads them from that DT during its
//! cold boot, which the monitor runs before Linux; afterwards Linux must not
//! be able to read them. So, just before Linux is entered, the monitor turns
//! both properties into `FDT_NOP` tokens in place (as libfdt's
//! `fdt_nop_property` does: the blob keeps its size and layout, and the value
//! bytes are overwritten) and zeroes the DT area behind the blob, where
//! earlier, longer versions of the blob may have left copies. `/chosen`'s
//! seeds are Linux's and stay.
//!
//! Works on the raw structure block (FDT v17, devicetree spec 0.4, ch. 5),
//! so it needs no heap.

/// The properties erased from `/secure-chosen`.
pub const SECURE_SEED_PROPERTIES: [&str; 2] = ["rng-seed", "kaslr-seed"];

const FDT_MAGIC: u32 = 0xd00d_feed;
const FDT_BEGIN_NODE: u32 = 1;
const FDT_END_NODE: u32 = 2;
const FDT_PROP: u32 = 3;
const FDT_NOP: u32 = 4;
const FDT_END: u32 = 9;

/// Why the DT could not be scrubbed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScrubError {
    /// No valid FDT header, or a block outside the blob.
    Invalid,
    /// The structure block is malformed (bad token, overrun, no `FDT_END`).
    Malformed,
}

fn be32(bytes: &[u8], at: usize) -> Result<u32, ScrubError> {
    let b = bytes.get(at..at.checked_add(4).ok_or(ScrubError::Malformed)?).ok_or(ScrubError::Malformed)?;
    Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
}

fn align4(n: usize) -> Option<usize> {
    n.checked_add(3).map(|v| v & !3)
}

/// The NUL-terminated string at `at` in `bytes` (without the NUL).
fn c_str(bytes: &[u8], at: usize) -> Result<&[u8], ScrubError> {
    let rest = bytes.get(at..).ok_or(ScrubError::Malformed)?;
    let end = rest.iter().position(|b| *b == 0).ok_or(ScrubError::Malformed)?;
    Ok(&rest[..end])
}

/// Erases `/secure-chosen`'s seed properties from the blob at the start of
/// `area` and zeroes `area` behind the blob. Returns how many properties
/// were erased (0 when there were none: nothing else changes then but the
/// zeroed tail).
pub fn scrub_secure_seeds(area: &mut [u8]) -> Result<usize, ScrubError> {
    if be32(area, 0).map_err(|_| ScrubError::Invalid)? != FDT_MAGIC {
        return Err(ScrubError::Invalid);
    }
    let header = |i: usize| be32(area, 4 * i).map(|v| v as usize).map_err(|_| ScrubError::Invalid);
    let (total, off_struct, off_strings) = (header(1)?, header(2)?, header(3)?);
    let (size_strings, size_struct) = (header(8)?, header(9)?);
    let within = |off: usize, len: usize| off.checked_add(len).is_some_and(|end| end <= total);
    if total > area.len() || total < 40 || !within(off_struct, size_struct) || !within(off_strings, size_strings) {
        return Err(ScrubError::Invalid);
    }
    let (blob, tail) = area.split_at_mut(total);
    let strings_end = off_strings + size_strings;
    let struct_end = off_struct + size_struct;

    let mut erased = 0;
    let mut at = off_struct;
    // Depth 1 = the root node; `in_secure_chosen` while inside the root's
    // child `secure-chosen` (depth 2).
    let mut depth = 0usize;
    let mut in_secure_chosen = false;
    loop {
        if at >= struct_end {
            return Err(ScrubError::Malformed);
        }
        match be32(blob, at)? {
            FDT_BEGIN_NODE => {
                let name = c_str(&blob[..struct_end], at + 4)?;
                depth += 1;
                if depth == 2 {
                    in_secure_chosen = name == b"secure-chosen";
                }
                at = align4(at + 4 + name.len() + 1).ok_or(ScrubError::Malformed)?;
            }
            FDT_END_NODE => {
                depth = depth.checked_sub(1).ok_or(ScrubError::Malformed)?;
                if depth < 2 {
                    in_secure_chosen = false;
                }
                at += 4;
            }
            FDT_PROP => {
                let len = be32(blob, at + 4)? as usize;
                let name_off = be32(blob, at + 8)? as usize;
                let end = align4(at + 12 + len).ok_or(ScrubError::Malformed)?;
                if end > struct_end {
                    return Err(ScrubError::Malformed);
                }
                let name =
                    c_str(&blob[..strings_end], off_strings.checked_add(name_off).ok_or(ScrubError::Malformed)?)?;
                if in_secure_chosen && depth == 2 && SECURE_SEED_PROPERTIES.iter().any(|p| p.as_bytes() == name) {
                    for word in blob[at..end].chunks_exact_mut(4) {
                        word.copy_from_slice(&FDT_NOP.to_be_bytes());
                    }
                    erased += 1;
                }
                at = end;
            }
            FDT_NOP => at += 4,
            FDT_END => break,
            _ => return Err(ScrubError::Malformed),
        }
    }
    zeroize::Zeroize::zeroize(tail);
    Ok(erased)
}

#[cfg(test)]
mod tests {
    use super::*;
    use dtoolkit::fdt::Fdt;
    use dtoolkit::model::{DeviceTree, DeviceTreeNode, DeviceTreeProperty};
    use dtoolkit::{Node, Property};

    const SECURE_RNG: [u8; 32] = [0xa5; 32];
    const SECURE_KASLR: [u8; 8] = [0x5a, 1, 2, 3, 4, 5, 6, 7];
    const LINUX_RNG: [u8; 32] = [0x3c; 32];

    /// A DT shaped like QEMU virt's with `secure=on`: both chosen nodes with
    /// seeds, a nested node that must not be taken for `/secure-chosen`.
    fn qemu_like_dtb() -> Vec<u8> {
        let mut tree = DeviceTree::new();
        let chosen = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("chosen"));
        chosen.add_property(DeviceTreeProperty::new_unchecked("stdout-path", "/pl011@9000000"));
        chosen.add_property(DeviceTreeProperty::new_unchecked("rng-seed", &LINUX_RNG[..]));
        chosen.add_property(DeviceTreeProperty::new_unchecked("kaslr-seed", &[9u8; 8][..]));
        let other = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("soc"));
        let nested = other.add_child_mut(DeviceTreeNode::new_unchecked("secure-chosen"));
        nested.add_property(DeviceTreeProperty::new_unchecked("rng-seed", &[7u8; 4][..]));
        let secure = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("secure-chosen"));
        secure.add_property(DeviceTreeProperty::new_unchecked("stdout-path", "/pl011@9040000"));
        secure.add_property(DeviceTreeProperty::new_unchecked("rng-seed", &SECURE_RNG[..]));
        secure.add_property(DeviceTreeProperty::new_unchecked("kaslr-seed", &SECURE_KASLR[..]));
        let memory = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("memory@40000000"));
        memory.add_property(DeviceTreeProperty::new_unchecked("device_type", "memory"));
        tree.to_dtb()
    }

    fn contains(haystack: &[u8], needle: &[u8]) -> bool {
        haystack.windows(needle.len()).any(|w| w == needle)
    }

    #[test]
    fn erases_only_the_secure_seeds() {
        let blob = qemu_like_dtb();
        let mut area = vec![0u8; 1 << 16];
        area[..blob.len()].copy_from_slice(&blob);
        assert!(contains(&area, &SECURE_RNG) && contains(&area, &SECURE_KASLR));

        assert_eq!(scrub_secure_seeds(&mut area), Ok(2));

        // The seed bytes are gone from the whole area, the blob kept its size.
        assert!(!contains(&area, &SECURE_RNG));
        assert!(!contains(&area, &SECURE_KASLR));
        assert_eq!(tee_abi::fdt_header::total_size(&area, area.len()), Some(blob.len()));
        let fdt = Fdt::new(&area[..blob.len()]).unwrap();
        let secure = fdt.find_node("/secure-chosen").unwrap();
        assert!(secure.property("rng-seed").is_none());
        assert!(secure.property("kaslr-seed").is_none());
        assert_eq!(secure.property("stdout-path").unwrap().value(), b"/pl011@9040000\0");
        // Linux's own seeds, a look-alike nested node and the rest stay.
        let chosen = fdt.find_node("/chosen").unwrap();
        assert_eq!(chosen.property("rng-seed").unwrap().value(), &LINUX_RNG[..]);
        assert_eq!(chosen.property("kaslr-seed").unwrap().value(), &[9u8; 8][..]);
        assert_eq!(fdt.find_node("/soc/secure-chosen").unwrap().property("rng-seed").unwrap().value(), &[7u8; 4]);
        assert!(fdt.find_node("/memory@40000000").is_some());
        // Idempotent: nothing left to erase.
        assert_eq!(scrub_secure_seeds(&mut area), Ok(0));
    }

    #[test]
    fn zeroes_stale_copies_behind_the_blob() {
        // An earlier, longer blob left the seed behind the current one.
        let blob = qemu_like_dtb();
        let mut area = vec![0u8; 1 << 16];
        area[blob.len() + 100..blob.len() + 132].copy_from_slice(&SECURE_RNG);
        area[..blob.len()].copy_from_slice(&blob);
        scrub_secure_seeds(&mut area).unwrap();
        assert!(area[blob.len()..].iter().all(|b| *b == 0));
    }

    #[test]
    fn refuses_garbage_and_truncation() {
        assert_eq!(scrub_secure_seeds(&mut [0u8; 64]), Err(ScrubError::Invalid));
        let blob = qemu_like_dtb();
        // totalsize larger than the area.
        let mut short = blob[..blob.len() - 8].to_vec();
        assert_eq!(scrub_secure_seeds(&mut short), Err(ScrubError::Invalid));
        // A bad token inside the structure block.
        let mut bad = blob.clone();
        let off_struct = u32::from_be_bytes(bad[8..12].try_into().unwrap()) as usize;
        bad[off_struct..off_struct + 4].copy_from_slice(&0x77u32.to_be_bytes());
        assert_eq!(scrub_secure_seeds(&mut bad), Err(ScrubError::Malformed));
    }
}
