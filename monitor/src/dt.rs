//! Device-tree fix-ups the firmware owes Linux (what TF-A's BL2 and BL31 add on
//! QEMU): `/psci`, `enable-method = "psci"` on every cpu, and `/chosen`
//! bootargs plus the initrd range. Also reads which cores exist.
//!
//! Built on `dtoolkit`'s model API: parse the blob, edit the tree, write a new
//! blob. Runs once at boot on the monitor's boot heap.

extern crate alloc;

use alloc::vec::Vec;
use dtoolkit::fdt::Fdt;
use dtoolkit::model::{DeviceTree, DeviceTreeNode, DeviceTreeProperty};
use dtoolkit::{Node, Property};
use linker::MAX_CORES;

use crate::psci;

/// What the monitor wants Linux to find in `/chosen`.
#[derive(Clone, Copy, Debug, Default)]
pub struct ChosenFixup<'a> {
    /// Kernel command line, when one was supplied.
    pub bootargs: Option<&'a str>,
    /// `[start, end)` of the initramfs in NS RAM, when one was loaded.
    pub initrd: Option<(u64, u64)>,
}

/// Why a device tree could not be fixed up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DtError {
    /// The blob is not a valid FDT.
    Invalid,
    /// The fixed-up blob would not fit in the room it has.
    TooLarge,
}

/// Returns which core indices have a `/cpus/cpu@*` node (by their MPIDR `reg`).
pub fn present_cores(blob: &[u8]) -> Result<[bool; MAX_CORES], DtError> {
    let fdt = Fdt::new(blob).map_err(|_| DtError::Invalid)?;
    let mut present = [false; MAX_CORES];
    let Some(cpus) = fdt.find_node("/cpus") else {
        return Ok(present);
    };
    for cpu in cpus.children() {
        if !is_cpu(&cpu) {
            continue;
        }
        let Some(reg) = cpu.property("reg") else { continue };
        // One or two address cells: the MPIDR affinity bits, big-endian.
        let mpidr = reg.value().iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b));
        if let Some(core) = linker::core_index(mpidr) {
            present[core] = true;
        }
    }
    Ok(present)
}

fn is_cpu<N: Node>(node: &N) -> bool {
    node.property("device_type").is_some_and(|p| p.value() == b"cpu\0")
}

/// Applies the monitor's fix-ups to `blob` and returns the new blob, which
/// must fit in `max_size` bytes.
pub fn fix_up(blob: &[u8], chosen: ChosenFixup<'_>, max_size: usize) -> Result<Vec<u8>, DtError> {
    let fdt = Fdt::new(blob).map_err(|_| DtError::Invalid)?;
    let mut tree = DeviceTree::from_fdt(&fdt);

    if tree.root.child("psci").is_none() {
        let psci_node = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("psci"));
        psci_node.add_property(DeviceTreeProperty::new_unchecked(
            "compatible",
            &b"arm,psci-1.0\0arm,psci-0.2\0arm,psci\0"[..],
        ));
        psci_node.add_property(DeviceTreeProperty::new_unchecked("method", "smc"));
        psci_node.add_property(DeviceTreeProperty::new_unchecked("cpu_suspend", psci::CPU_SUSPEND_64));
        psci_node.add_property(DeviceTreeProperty::new_unchecked("cpu_off", psci::CPU_OFF));
        psci_node.add_property(DeviceTreeProperty::new_unchecked("cpu_on", psci::CPU_ON_64));
    }

    if let Some(cpus) = tree.root.child_mut("cpus") {
        for cpu in cpus.children_mut() {
            if is_cpu(&&*cpu) && cpu.property("enable-method").is_none() {
                cpu.add_property(DeviceTreeProperty::new_unchecked("enable-method", "psci"));
            }
        }
    }

    let chosen_node = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("chosen"));
    if let Some(bootargs) = chosen.bootargs {
        chosen_node.add_property(DeviceTreeProperty::new_unchecked("bootargs", bootargs));
    }
    if let Some((start, end)) = chosen.initrd {
        chosen_node.add_property(DeviceTreeProperty::new_unchecked("linux,initrd-start", start));
        chosen_node.add_property(DeviceTreeProperty::new_unchecked("linux,initrd-end", end));
    }

    let out = tree.to_dtb();
    if out.len() > max_size {
        return Err(DtError::TooLarge);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small tree shaped like QEMU virt's with `secure=on`: two cpus, no
    /// `/psci`, a `/chosen` with bootargs from `-append`.
    fn qemu_like_dtb(cpus: &[u32]) -> Vec<u8> {
        let mut tree = DeviceTree::new();
        let cpus_node = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("cpus"));
        cpus_node.add_property(DeviceTreeProperty::new_unchecked("#address-cells", 1u32));
        cpus_node.add_property(DeviceTreeProperty::new_unchecked("#size-cells", 0u32));
        for &mpidr in cpus {
            let name = alloc::format!("cpu@{mpidr:x}");
            let cpu = cpus_node.add_child_mut(DeviceTreeNode::new_unchecked(name));
            cpu.add_property(DeviceTreeProperty::new_unchecked("device_type", "cpu"));
            cpu.add_property(DeviceTreeProperty::new_unchecked("reg", mpidr));
        }
        let chosen = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("chosen"));
        chosen.add_property(DeviceTreeProperty::new_unchecked("bootargs", "from-qemu"));
        let secram = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("secram@e000000"));
        secram.add_property(DeviceTreeProperty::new_unchecked("device_type", "memory"));
        secram.add_property(DeviceTreeProperty::new_unchecked("status", "disabled"));
        secram.add_property(DeviceTreeProperty::new_unchecked("reg", &[0u32, 0x0e00_0000, 0, 0x0100_0000][..]));
        let memory = tree.root.add_child_mut(DeviceTreeNode::new_unchecked("memory@40000000"));
        memory.add_property(DeviceTreeProperty::new_unchecked("device_type", "memory"));
        memory.add_property(DeviceTreeProperty::new_unchecked("reg", &[0u32, 0x4000_0000, 0, 0x4000_0000][..]));
        tree.to_dtb()
    }

    #[test]
    fn finds_present_cores() {
        let dtb = qemu_like_dtb(&[0, 1, 2, 3]);
        let present = present_cores(&dtb).unwrap();
        assert_eq!(present, [true, true, true, true, false, false, false, false]);
    }

    #[test]
    fn adds_psci_enable_methods_and_chosen() {
        let dtb = qemu_like_dtb(&[0, 1]);
        let chosen = ChosenFixup { bootargs: Some("console=ttyAMA0"), initrd: Some((0x5000_0000, 0x5123_4567)) };
        let out = fix_up(&dtb, chosen, 1 << 20).unwrap();
        let fdt = Fdt::new(&out).unwrap();

        let psci_node = fdt.find_node("/psci").unwrap();
        assert_eq!(psci_node.property("method").unwrap().value(), b"smc\0");
        assert!(psci_node.property("compatible").unwrap().value().starts_with(b"arm,psci-1.0\0"));
        assert_eq!(psci_node.property("cpu_on").unwrap().value(), &0xc400_0003u32.to_be_bytes());

        for cpu in fdt.find_node("/cpus").unwrap().children() {
            assert_eq!(cpu.property("enable-method").unwrap().value(), b"psci\0");
        }
        let chosen = fdt.find_node("/chosen").unwrap();
        assert_eq!(chosen.property("bootargs").unwrap().value(), b"console=ttyAMA0\0");
        assert_eq!(chosen.property("linux,initrd-start").unwrap().value(), &0x5000_0000u64.to_be_bytes());
        assert_eq!(chosen.property("linux,initrd-end").unwrap().value(), &0x5123_4567u64.to_be_bytes());
    }

    #[test]
    fn keeps_existing_psci_and_bootargs() {
        let dtb = qemu_like_dtb(&[0]);
        let out = fix_up(&dtb, ChosenFixup::default(), 1 << 20).unwrap();
        let again = fix_up(&out, ChosenFixup::default(), 1 << 20).unwrap();
        let fdt = Fdt::new(&again).unwrap();
        assert_eq!(fdt.find_node("/chosen").unwrap().property("bootargs").unwrap().value(), b"from-qemu\0");
        assert_eq!(fdt.find_node("/").unwrap().children().filter(|c| c.name() == "psci").count(), 1);
    }

    #[test]
    fn finds_ns_memory_and_skips_secure_ram() {
        let dtb = qemu_like_dtb(&[0]);
        assert_eq!(tee_abi::fdt_header::ns_memory(&dtb), Some((0x4000_0000, 0x8000_0000)));
    }

    #[test]
    fn refuses_garbage_and_overflow() {
        assert_eq!(present_cores(&[0u8; 64]), Err(DtError::Invalid));
        assert_eq!(fix_up(b"not a dtb", ChosenFixup::default(), 1 << 20), Err(DtError::Invalid));
        let dtb = qemu_like_dtb(&[0]);
        assert_eq!(fix_up(&dtb, ChosenFixup::default(), 16), Err(DtError::TooLarge));
    }
}
