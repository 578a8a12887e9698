//! The interrupt masks on the host: each OS thread (a core, or a pool
//! thread on one) keeps its own, masked at first as the monitor enters
//! the kernel. Nothing interrupts host code; the masks are kept only so
//! tests can check who opens and closes them.

use core::cell::Cell;

/// Saved masks (true: masked; IRQ stays masked, so only FIQ is modelled).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[must_use]
pub struct Daif(bool);

impl Daif {
    /// Whether FIQs (normal-world interrupts) were open.
    pub fn foreign_open(self) -> bool {
        !self.0
    }
}

std::thread_local! {
    static FIQ_MASKED: Cell<bool> = const { Cell::new(true) };
}

/// Masks this thread's interrupts; returns the masks as they were.
pub fn mask_all() -> Daif {
    Daif(FIQ_MASKED.with(|m| m.replace(true)))
}

/// Puts back masks saved by [`mask_all`].
pub fn restore(saved: Daif) {
    FIQ_MASKED.with(|m| m.set(saved.0));
}

/// Opens this thread's FIQ mask.
pub fn unmask_foreign() {
    FIQ_MASKED.with(|m| m.set(false));
}

/// True when this thread's interrupts are masked.
pub fn all_masked() -> bool {
    FIQ_MASKED.with(Cell::get)
}
