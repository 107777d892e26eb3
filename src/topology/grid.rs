//! Two-dimensional lattices.

use super::{NodeId, Overlay};

/// A `width × height` grid; node (x, y) has id y·width + x and links to its 4 lattice
/// neighbours; with `torus` the edges wrap around. A plain grid has
/// 2wh − w − h edges, a torus 2wh (for width and height ≥ 3).
pub fn grid(width: u32, height: u32, torus: bool) -> Overlay {
    let id = |x: u32, y: u32| -> NodeId { y * width + x };
    let mut edges = Vec::with_capacity(2 * width as usize * height as usize);
    for y in 0..height {
        for x in 0..width {
            if x + 1 < width {
                edges.push((id(x, y), id(x + 1, y)));
            } else if torus && width > 2 {
                edges.push((id(x, y), id(0, y)));
            }
            if y + 1 < height {
                edges.push((id(x, y), id(x, y + 1)));
            } else if torus && height > 2 {
                edges.push((id(x, y), id(x, 0)));
            }
        }
    }
    Overlay::from_edges(width * height, &edges)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_counts_and_ids() {
        assert_eq!(grid(100, 100, false).edge_count(), 19_800);
        assert_eq!(grid(100, 100, true).edge_count(), 20_000);
        let g = grid(4, 3, false);
        // (1, 1) has id 5 and neighbours (1,0)=1, (0,1)=4, (2,1)=6, (1,2)=9.
        assert_eq!(g.neighbours(5), &[1, 4, 6, 9]);
        assert_eq!(grid(4, 3, true).neighbours(0), &[1, 3, 4, 8]);
    }
}
