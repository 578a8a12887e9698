//! Memory management: the kernel's own translation tables.

pub mod pagetable;
