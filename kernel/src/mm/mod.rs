//! Memory management: translation tables and the address-space layout.

pub mod attrs;
pub mod layout;
pub mod pagetable;
