//! Host tests of the TA loader: every error path of `shdr` and `elf`, the two
//! real ELF fixtures, and bounded property tests (no panic on any input).

mod bootstrap_tests;
mod dynlink_tests;
mod elf_builder;
mod elf_tests;
mod fixture_tests;
mod fuzz;
mod reloc_tests;
mod shdr_tests;
mod subkey_tests;
pub(crate) mod support;
mod upstream;
