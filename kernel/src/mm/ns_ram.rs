//! Where normal-world RAM is: read from the device tree once at cold boot,
//! then only read. The kernel identity-maps exactly this range (non-secure,
//! never executable) and every normal-world address it is given is checked
//! against it.

static NS_RAM: spin::Once<(u64, u64)> = spin::Once::new();

/// Records `[start, end)` of normal-world RAM; only the first call counts.
pub fn set(range: (u64, u64)) {
    NS_RAM.call_once(|| range);
}

/// `[start, end)` of normal-world RAM; empty before [`set`].
pub fn bounds() -> (u64, u64) {
    *NS_RAM.get().unwrap_or(&(0, 0))
}
