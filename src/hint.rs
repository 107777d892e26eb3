//! Cache prefetch hints: they change no result, only when memory is fetched.

/// Asks the CPU to bring the cache line of `items[index]` closer; a hint with no effect on
/// results, and no bounds check (a hint for an address past the end is harmless).
#[inline(always)]
pub fn prefetch<T>(items: &[T], index: usize) {
    #[cfg(target_arch = "x86_64")]
    hint::<T, { std::arch::x86_64::_MM_HINT_T0 }>(items, index);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, index);
}

/// Like [`prefetch`], for a line about to be written (the CPU fetches it in exclusive state).
#[inline(always)]
pub fn prefetch_for_write<T>(items: &[T], index: usize) {
    #[cfg(target_arch = "x86_64")]
    hint::<T, { std::arch::x86_64::_MM_HINT_ET0 }>(items, index);
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (items, index);
}

#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn hint<T, const STRATEGY: i32>(items: &[T], index: usize) {
    let address = items.as_ptr().wrapping_add(index);
    // SAFETY: a prefetch is a hint that never faults and does not access memory
    // architecturally, whatever the address.
    unsafe { std::arch::x86_64::_mm_prefetch::<STRATEGY>(address.cast::<i8>()) }
}
