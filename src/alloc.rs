//! A global allocator that backs large allocations with transparent huge pages.
//!
//! A flood at a million nodes reads per-node arrays (marks, load counters, adjacency rows) at
//! random, so with 4 KiB pages nearly every access also misses the TLB, and under a hypervisor
//! each miss is a two-level page walk. On Linux, [`HugePages`] maps every allocation of at
//! least [`LARGE`] bytes itself, aligned to 2 MiB and marked `MADV_HUGEPAGE`, so the kernel
//! backs it with 2 MiB pages where it can (Linux's default `transparent_hugepage=madvise`
//! honours exactly this; `never` ignores it). Small allocations, and everything on other
//! systems, go to the system allocator.
//!
//! It changes where memory lives, never what the program computes. The `floodsim` binary
//! installs it:
//!
//! ```no_run
//! #[global_allocator]
//! static ALLOCATOR: floodsim::alloc::HugePages = floodsim::alloc::HugePages;
//! ```

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations at least this large get their own huge-page mapping (on Linux).
pub const LARGE: usize = 2 << 20;

/// The system allocator, with huge pages for allocations of [`LARGE`] bytes or more.
pub struct HugePages;

/// Whether `layout` gets its own mapping.
fn is_large(layout: Layout) -> bool {
    cfg!(target_os = "linux") && layout.size() >= LARGE
}

#[cfg(target_os = "linux")]
mod mapping {
    use std::alloc::Layout;

    /// The size of a transparent huge page on x86-64 and most aarch64 kernels.
    pub const HUGE_PAGE: usize = 2 << 20;

    /// Bytes mapped for `layout`: its size rounded up to whole huge pages.
    fn mapped_len(layout: Layout) -> usize {
        layout.size().next_multiple_of(HUGE_PAGE)
    }

    /// Maps zeroed memory for `layout`, aligned to a huge page (or more if asked) and advised
    /// for huge pages; null if the system is out of memory.
    pub fn map(layout: Layout) -> *mut u8 {
        let align = layout.align().max(HUGE_PAGE);
        let len = mapped_len(layout);
        let Some(reserve) = len.checked_add(align) else {
            return std::ptr::null_mut();
        };
        // SAFETY: an anonymous private mapping at an address of the kernel's choosing touches
        // no existing memory.
        let raw = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                reserve,
                libc::PROT_READ | libc::PROT_WRITE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        if raw == libc::MAP_FAILED {
            return std::ptr::null_mut();
        }
        let start = raw as usize;
        let aligned = start.next_multiple_of(align);
        // SAFETY: both trimmed pieces lie inside the mapping just made and are page-aligned
        // (mmap returns page-aligned memory and `len`, `align` are multiples of the page);
        // madvise changes no contents and a failure (a kernel without THP) is harmless.
        unsafe {
            if aligned > start {
                libc::munmap(raw, aligned - start);
            }
            let tail = start + reserve - (aligned + len);
            if tail > 0 {
                libc::munmap((aligned + len) as *mut libc::c_void, tail);
            }
            libc::madvise(aligned as *mut libc::c_void, len, libc::MADV_HUGEPAGE);
        }
        aligned as *mut u8
    }

    /// Unmaps a block returned by [`map`] for `layout`.
    ///
    /// # Safety
    /// `ptr` must come from `map(layout)` and not be used afterwards.
    pub unsafe fn unmap(ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller passes a live mapping of exactly this length.
        unsafe { libc::munmap(ptr.cast(), mapped_len(layout)) };
    }
}

#[cfg(not(target_os = "linux"))]
mod mapping {
    use std::alloc::Layout;
    pub fn map(_: Layout) -> *mut u8 {
        unreachable!("large blocks are mapped on Linux only")
    }
    pub unsafe fn unmap(_: *mut u8, _: Layout) {
        unreachable!("large blocks are mapped on Linux only")
    }
}

// SAFETY: small blocks are `System`'s with the caller's layout; large blocks are fresh private
// mappings of at least the layout's size and alignment, unmapped with the same layout, so no
// block is handed out twice or freed by the wrong party; reallocation across the threshold
// copies between two live blocks.
unsafe impl GlobalAlloc for HugePages {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_large(layout) {
            mapping::map(layout)
        } else {
            // SAFETY: forwarded with the caller's valid, non-zero-size layout.
            unsafe { System.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_large(layout) {
            // A fresh anonymous mapping is already zero.
            mapping::map(layout)
        } else {
            // SAFETY: as in `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_large(layout) {
            // SAFETY: large blocks come from `map` with this layout.
            unsafe { mapping::unmap(ptr, layout) }
        } else {
            // SAFETY: small blocks come from `System` with this layout.
            unsafe { System.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: the caller guarantees `new_size` with `layout.align()` is a valid layout.
        let new_layout = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
        if !is_large(layout) && !is_large(new_layout) {
            // SAFETY: both sizes stay with `System`.
            return unsafe { System.realloc(ptr, layout, new_size) };
        }
        // SAFETY: a valid non-zero-size layout.
        let new = unsafe { self.alloc(new_layout) };
        if !new.is_null() {
            // SAFETY: both blocks are live, distinct and at least this long; the old one was
            // allocated by `self` with `layout`.
            unsafe {
                std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
                self.dealloc(ptr, layout);
            }
        }
        new
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn large_blocks_are_huge_page_aligned_zeroed_and_survive_reallocation() {
        let a = HugePages;
        let small = Layout::from_size_align(1000, 8).unwrap();
        let large = Layout::from_size_align(LARGE + 12_345, 8).unwrap();
        // SAFETY: valid layouts; every block is freed with the layout it has.
        unsafe {
            let p = a.alloc_zeroed(large);
            #[cfg(target_os = "linux")]
            assert_eq!(p as usize % mapping::HUGE_PAGE, 0);
            assert!((0..large.size()).step_by(4093).all(|i| *p.add(i) == 0));
            for i in 0..1000 {
                *p.add(i * 7) = i as u8;
            }
            // Shrink below the threshold, grow back above it: the contents follow.
            let q = a.realloc(p, large, 7000);
            assert!((0..1000).all(|i| *q.add(i) == if i % 7 == 0 { (i / 7) as u8 } else { 0 }));
            let r = a.realloc(q, Layout::from_size_align(7000, 8).unwrap(), 2 * LARGE);
            #[cfg(target_os = "linux")]
            assert_eq!(r as usize % mapping::HUGE_PAGE, 0);
            assert_eq!((*r.add(7), *r.add(6993)), (1, 999u32 as u8));
            a.dealloc(r, Layout::from_size_align(2 * LARGE, 8).unwrap());
            let s = a.alloc(small);
            *s = 1;
            a.dealloc(s, small);
        }
    }
}
