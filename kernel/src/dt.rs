//! The trusted OS's own device-tree node: `/firmware/optee`, which makes Linux
//! probe its optee driver (binding `linaro,optee-tz.yaml`); and the secure
//! boot seeds QEMU leaves in `/secure-chosen`, which the monitor erases
//! before Linux runs (see `rng` and kernel/README.md, "Entropy").

extern crate alloc;

use alloc::vec::Vec;
use dtoolkit::fdt::Fdt;
use dtoolkit::model::{DeviceTree, DeviceTreeNode, DeviceTreeProperty};
use zeroize::Zeroizing;

/// Why the node could not be added.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DtError {
    /// The blob is not a valid FDT.
    Invalid,
    /// The result would not fit the room the DT has.
    TooLarge,
}

/// Returns `blob` with `/firmware/optee` added (or replaced), fitting in
/// `max_size` bytes. No `interrupts` property: asynchronous notifications are
/// not announced, and Linux requires the property only when they are.
pub fn add_optee_node(blob: &[u8], max_size: usize) -> Result<Vec<u8>, DtError> {
    let fdt = Fdt::new(blob).map_err(|_| DtError::Invalid)?;
    let mut tree = DeviceTree::from_fdt(&fdt);
    let firmware = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("firmware"));
    let mut optee = DeviceTreeNode::new_unchecked("optee");
    optee.add_property(DeviceTreeProperty::new_unchecked("compatible", "linaro,optee-tz"));
    optee.add_property(DeviceTreeProperty::new_unchecked("method", "smc"));
    firmware.remove_child("optee");
    firmware.add_child(optee);
    let out = tree.to_dtb();
    if out.len() > max_size {
        return Err(DtError::TooLarge);
    }
    Ok(out)
}

/// The random seeds of the boot DT's `/secure-chosen` (QEMU `virt` with
/// `secure=on` puts a 32-byte `rng-seed` and an 8-byte `kaslr-seed` there),
/// copied out and wiped when dropped.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SecureSeeds {
    /// `/secure-chosen/rng-seed`.
    pub rng_seed: Option<Zeroizing<Vec<u8>>>,
    /// `/secure-chosen/kaslr-seed`.
    pub kaslr_seed: Option<Zeroizing<Vec<u8>>>,
}

/// Longest seed property taken (longer ones are cut: hashing more adds
/// nothing to a 256-bit pool).
pub const MAX_SEED_LEN: usize = 64;

/// Reads `/secure-chosen`'s seeds from `blob`. Empty properties count as
/// absent. Never looks at `/chosen`: those seeds are Linux's.
pub fn secure_seeds(blob: &[u8]) -> Result<SecureSeeds, DtError> {
    use dtoolkit::{Node, Property};
    let fdt = Fdt::new(blob).map_err(|_| DtError::Invalid)?;
    let Some(node) = fdt.find_node("/secure-chosen") else {
        return Ok(SecureSeeds::default());
    };
    let prop = |name: &str| {
        let p = node.property(name)?;
        let v = p.value();
        (!v.is_empty()).then(|| Zeroizing::new(v[..v.len().min(MAX_SEED_LEN)].to_vec()))
    };
    Ok(SecureSeeds { rng_seed: prop("rng-seed"), kaslr_seed: prop("kaslr-seed") })
}

#[cfg(test)]
mod tests {
    use super::*;
    use dtoolkit::{Node, Property};

    fn minimal_dtb() -> Vec<u8> {
        let mut tree = DeviceTree::new();
        tree.root.add_property(DeviceTreeProperty::new_unchecked("compatible", "linux,dummy-virt"));
        tree.to_dtb()
    }

    #[test]
    fn adds_firmware_optee() {
        let out = add_optee_node(&minimal_dtb(), 1 << 20).unwrap();
        let fdt = Fdt::new(&out).unwrap();
        let node = fdt.find_node("/firmware/optee").unwrap();
        assert_eq!(node.property("compatible").unwrap().value(), b"linaro,optee-tz\0");
        assert_eq!(node.property("method").unwrap().value(), b"smc\0");
        assert!(node.property("interrupts").is_none());
    }

    #[test]
    fn is_idempotent() {
        let once = add_optee_node(&minimal_dtb(), 1 << 20).unwrap();
        let twice = add_optee_node(&once, 1 << 20).unwrap();
        let fdt = Fdt::new(&twice).unwrap();
        let firmware = fdt.find_node("/firmware").unwrap();
        assert_eq!(firmware.children().count(), 1);
    }

    #[test]
    fn reads_only_the_secure_seeds() {
        let mut tree = DeviceTree::new();
        let chosen = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("chosen"));
        chosen.add_property(DeviceTreeProperty::new_unchecked("rng-seed", &[1u8; 32][..]));
        chosen.add_property(DeviceTreeProperty::new_unchecked("kaslr-seed", &[2u8; 8][..]));
        let secure = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("secure-chosen"));
        secure.add_property(DeviceTreeProperty::new_unchecked("stdout-path", "/pl011@9040000"));
        secure.add_property(DeviceTreeProperty::new_unchecked("rng-seed", &[3u8; 32][..]));
        secure.add_property(DeviceTreeProperty::new_unchecked("kaslr-seed", &[4u8; 8][..]));
        let blob = tree.to_dtb();
        let seeds = secure_seeds(&blob).unwrap();
        assert_eq!(seeds.rng_seed.as_deref().map(|v| &v[..]), Some(&[3u8; 32][..]));
        assert_eq!(seeds.kaslr_seed.as_deref().map(|v| &v[..]), Some(&[4u8; 8][..]));
        // No /secure-chosen (or the monitor already erased the seeds): none.
        assert_eq!(secure_seeds(&minimal_dtb()), Ok(SecureSeeds::default()));
        assert_eq!(secure_seeds(b"garbage"), Err(DtError::Invalid));
    }

    #[test]
    fn refuses_garbage_and_overflow() {
        assert_eq!(add_optee_node(&[0xffu8; 100], 1 << 20), Err(DtError::Invalid));
        assert_eq!(add_optee_node(&minimal_dtb(), 8), Err(DtError::TooLarge));
    }
}
