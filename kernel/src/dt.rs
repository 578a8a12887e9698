//! The trusted OS's own device-tree node: `/firmware/optee`, which makes Linux
//! probe its optee driver (binding `linaro,optee-tz.yaml`).

extern crate alloc;

use alloc::vec::Vec;
use dtoolkit::fdt::Fdt;
use dtoolkit::model::{DeviceTree, DeviceTreeNode, DeviceTreeProperty};

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
    fn refuses_garbage_and_overflow() {
        assert_eq!(add_optee_node(&[0xffu8; 100], 1 << 20), Err(DtError::Invalid));
        assert_eq!(add_optee_node(&minimal_dtb(), 8), Err(DtError::TooLarge));
    }
}
