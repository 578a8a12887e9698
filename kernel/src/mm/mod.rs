//! Memory management: translation tables, the address-space layout, the
//! kernel's own tables and the normal-world RAM range.

pub mod attrs;
#[cfg(any(target_os = "none", test))]
pub mod kernel_map;
pub mod layout;
pub mod ns_ram;
pub mod pagetable;
