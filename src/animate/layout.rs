//! Deterministic layouts: a radial force-directed layout for overlays (the source in the
//! centre, every node on the circle of its hop distance, so a flood visibly spreads ring by
//! ring), and a ring by identifier for DHTs. No random numbers: the start spreads each hop
//! circle's nodes evenly in id order and the iterations are fixed, so the same scenario always
//! gives the same picture.

/// Force-directed iterations.
const ITERATIONS: usize = 300;

/// Radius of the outermost hop circle (the drawing is the unit square).
pub const OUTER: f64 = 0.47;

/// Positions in the unit square for nodes at hop distances `dist` (0: the source) linked by
/// `edges`: Fruchterman–Reingold forces move nodes along their circle (radius proportional
/// to the distance), so linked nodes sit at similar angles.
pub fn radial(dist: &[u32], edges: &[(usize, usize)]) -> Vec<(f64, f64)> {
    let n = dist.len();
    let outer = dist.iter().copied().max().unwrap_or(0).max(1);
    let radius = |d: u32| f64::from(d) / f64::from(outer) * OUTER;
    let mut per_level = vec![0usize; outer as usize + 1];
    for &d in dist {
        per_level[d as usize] += 1;
    }
    let mut seen = vec![0usize; outer as usize + 1];
    let mut pos: Vec<(f64, f64)> = dist
        .iter()
        .map(|&d| {
            let i = seen[d as usize];
            seen[d as usize] += 1;
            // Each circle starts a little rotated so that rings do not line up.
            let a = std::f64::consts::TAU * (i as f64 + 0.5 * f64::from(d))
                / per_level[d as usize] as f64;
            (radius(d) * a.cos(), radius(d) * a.sin())
        })
        .collect();
    let k = OUTER * (std::f64::consts::PI / n.max(1) as f64).sqrt();
    let mut disp = vec![(0.0f64, 0.0f64); n];
    for it in 0..ITERATIONS {
        let temperature = 0.05 * (1.0 - it as f64 / ITERATIONS as f64) + 0.001;
        disp.fill((0.0, 0.0));
        for i in 0..n {
            for j in i + 1..n {
                let (dx, dy) = (pos[i].0 - pos[j].0, pos[i].1 - pos[j].1);
                let d2 = (dx * dx + dy * dy).max(1e-9);
                let f = k * k / d2;
                disp[i].0 += dx * f;
                disp[i].1 += dy * f;
                disp[j].0 -= dx * f;
                disp[j].1 -= dy * f;
            }
        }
        for &(a, b) in edges {
            let (dx, dy) = (pos[a].0 - pos[b].0, pos[a].1 - pos[b].1);
            let d = (dx * dx + dy * dy).sqrt();
            let f = d / k;
            disp[a].0 -= dx * f;
            disp[a].1 -= dy * f;
            disp[b].0 += dx * f;
            disp[b].1 += dy * f;
        }
        for ((p, d), &hop) in pos.iter_mut().zip(&disp).zip(dist) {
            let len = (d.0 * d.0 + d.1 * d.1).sqrt().max(1e-12);
            let step = len.min(temperature);
            let (x, y) = (p.0 + d.0 / len * step, p.1 + d.1 / len * step);
            // Back onto the node's circle.
            let r = (x * x + y * y).sqrt().max(1e-12);
            *p = (x / r * radius(hop), y / r * radius(hop));
        }
    }
    pos.into_iter().map(|(x, y)| (0.5 + x, 0.5 + y)).collect()
}

/// Positions on a circle by 64-bit identifier (0 at the top, clockwise), as DHT papers draw
/// their rings.
pub fn ring(ids: &[u64]) -> Vec<(f64, f64)> {
    ids.iter()
        .map(|&id| {
            let a = id as f64 / 2f64.powi(64) * std::f64::consts::TAU;
            (0.5 + 0.47 * a.sin(), 0.5 - 0.47 * a.cos())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_sit_on_their_hop_circle_and_neighbours_draw_together() {
        // A 6-cycle 0-1-2-3-4-5-0 seen from 0: hops 0,1,2,3,2,1.
        let dist = [0, 1, 2, 3, 2, 1];
        let edges = [(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0)];
        let p = radial(&dist, &edges);
        let r = |i: usize| ((p[i].0 - 0.5).powi(2) + (p[i].1 - 0.5).powi(2)).sqrt();
        for (i, &d) in dist.iter().enumerate() {
            assert!(
                (r(i) - f64::from(d) / 3.0 * OUTER).abs() < 1e-9,
                "{i}: {p:?}"
            );
        }
        let gap =
            |a: usize, b: usize| ((p[a].0 - p[b].0).powi(2) + (p[a].1 - p[b].1).powi(2)).sqrt();
        // 1 and 5 are both at hop 1 but on opposite sides of the cycle; 2 follows 1.
        assert!(gap(1, 2) < gap(1, 4), "{p:?}");
        assert_eq!(p, radial(&dist, &edges), "deterministic");
    }

    #[test]
    fn the_ring_puts_ids_at_their_angle() {
        let p = ring(&[0, 1 << 62, 1 << 63]);
        let close =
            |a: (f64, f64), b: (f64, f64)| (a.0 - b.0).abs() < 1e-9 && (a.1 - b.1).abs() < 1e-9;
        assert!(close(p[0], (0.5, 0.03)), "top");
        assert!(close(p[1], (0.97, 0.5)), "a quarter round, right");
        assert!(close(p[2], (0.5, 0.97)), "half round, bottom");
    }
}
