//! The bundled font inside each SVG, so viewers draw the text in the same DejaVu Sans that
//! measured it (and that draws the PNGs), never a system font.
//!
//! Each SVG embeds, as a base64 `@font-face` in a `<style>`, a subset of the bundled TTF: every
//! table as it is, except that the outlines of glyphs the SVG does not use are emptied (so glyph
//! ids, metrics and kerning stay the same), `post` drops its glyph names (format 3), and `GSUB`
//! is left out: the text was measured glyph by glyph without substitutions, and a browser
//! applying the font's ligatures would draw "fl" and "fi" as ligature glyphs whose outlines were
//! emptied (a variant "flood" showed as "ood"). That keeps a chart's font near 120 KiB of
//! base64 instead of the whole font's 1 MiB.

use ab_glyph::{Font, FontRef};
use std::collections::BTreeSet;

/// The bundled font file.
pub(crate) const TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name the SVG's text uses for the embedded font (unique, so an installed DejaVu
/// of another version is never picked instead), with a generic fallback.
const FAMILY: &str = "floodsim-DejaVuSans";

/// Makes an SVG document written by plotters use the embedded font: adds the `@font-face`
/// right after the opening `<svg>` tag and points every `font-family` at it.
pub(crate) fn embed(svg: &str) -> String {
    let used: BTreeSet<char> = svg.chars().collect();
    let font = base64(&subset(TTF, &used).unwrap_or_else(|| TTF.to_vec()));
    let style = format!(
        "<defs><style>@font-face{{font-family:\"{FAMILY}\";src:url(data:font/ttf;base64,{font}) format(\"truetype\");}}</style></defs>\n"
    );
    let svg = svg.replace(
        &format!("font-family=\"{}\"", super::FONT),
        &format!("font-family=\"{FAMILY}, sans-serif\""),
    );
    match svg.find('>') {
        Some(end) => format!("{}\n{style}{}", &svg[..=end], svg[end + 1..].trim_start()),
        None => svg,
    }
}

fn be16(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn be32(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

/// The font `ttf` with only the outlines of the glyphs of `chars` (and of the components of
/// composite ones, and `.notdef`); `None` if the font is not a TrueType font this understands.
fn subset(ttf: &[u8], chars: &BTreeSet<char>) -> Option<Vec<u8>> {
    let font = FontRef::try_from_slice(ttf).ok()?;
    let count = usize::from(be16(ttf, 4)?);
    let tables: Vec<([u8; 4], usize, usize)> = (0..count)
        .map(|i| {
            let rec = 12 + 16 * i;
            let tag: [u8; 4] = ttf.get(rec..rec + 4)?.try_into().ok()?;
            Some((
                tag,
                be32(ttf, rec + 8)? as usize,
                be32(ttf, rec + 12)? as usize,
            ))
        })
        .collect::<Option<_>>()?;
    let table = |name: &[u8; 4]| {
        let &(_, off, len) = tables.iter().find(|t| &t.0 == name)?;
        ttf.get(off..off + len)
    };
    let (head, loca, glyf, maxp) = (
        table(b"head")?,
        table(b"loca")?,
        table(b"glyf")?,
        table(b"maxp")?,
    );
    let glyphs = usize::from(be16(maxp, 4)?);
    let long = be16(head, 50)? == 1;
    let offset = |g: usize| -> Option<usize> {
        if long {
            be32(loca, 4 * g).map(|o| o as usize)
        } else {
            be16(loca, 2 * g).map(|o| 2 * usize::from(o))
        }
    };
    let outline = |g: usize| -> Option<&[u8]> { glyf.get(offset(g)?..offset(g + 1)?) };
    // The glyphs to keep, with the components of composite glyphs.
    let mut keep: BTreeSet<usize> = chars
        .iter()
        .map(|&c| usize::from(font.glyph_id(c).0))
        .chain([0])
        .collect();
    let mut todo: Vec<usize> = keep.iter().copied().collect();
    while let Some(g) = todo.pop() {
        let data = outline(g)?;
        if data.len() < 10 || (be16(data, 0)? as i16) >= 0 {
            continue;
        }
        let mut at = 10;
        loop {
            let (flags, component) = (be16(data, at)?, usize::from(be16(data, at + 2)?));
            if keep.insert(component) {
                todo.push(component);
            }
            at += 4 + if flags & 1 != 0 { 4 } else { 2 };
            at += match flags {
                f if f & 0x08 != 0 => 2,
                f if f & 0x40 != 0 => 4,
                f if f & 0x80 != 0 => 8,
                _ => 0,
            };
            if flags & 0x20 == 0 {
                break;
            }
        }
    }
    // New glyf (kept outlines, 4-byte aligned) and long loca.
    let (mut new_glyf, mut new_loca) = (Vec::new(), Vec::new());
    for g in 0..glyphs {
        new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
        if keep.contains(&g) {
            new_glyf.extend_from_slice(outline(g)?);
            while new_glyf.len() % 4 != 0 {
                new_glyf.push(0);
            }
        }
    }
    new_loca.extend_from_slice(&(new_glyf.len() as u32).to_be_bytes());
    let mut new_head = head.to_vec();
    new_head[8..12].fill(0); // checkSumAdjustment, set below
    new_head[50..52].copy_from_slice(&1u16.to_be_bytes());
    let mut new_post = table(b"post")?.get(..32)?.to_vec();
    new_post[..4].copy_from_slice(&0x0003_0000u32.to_be_bytes());
    let bodies: Vec<([u8; 4], Vec<u8>)> = tables
        .iter()
        .filter(|t| &t.0 != b"GSUB")
        .map(|&(tag, off, len)| {
            let body = match &tag {
                b"glyf" => new_glyf.clone(),
                b"loca" => new_loca.clone(),
                b"head" => new_head.clone(),
                b"post" => new_post.clone(),
                _ => ttf.get(off..off + len)?.to_vec(),
            };
            Some((tag, body))
        })
        .collect::<Option<_>>()?;
    // The table directory as it was (same tags, same order, GSUB left out), new offsets and
    // checksums, and the header's search fields for the new table count.
    let mut out = ttf.get(..12)?.to_vec();
    let n = bodies.len() as u16;
    let power = 1u16 << (15 - n.leading_zeros());
    out[4..6].copy_from_slice(&n.to_be_bytes());
    out[6..8].copy_from_slice(&(16 * power).to_be_bytes());
    out[8..10].copy_from_slice(&(power.trailing_zeros() as u16).to_be_bytes());
    out[10..12].copy_from_slice(&(16 * n - 16 * power).to_be_bytes());
    let mut at = 12 + 16 * bodies.len();
    let mut data = Vec::new();
    for (tag, body) in &bodies {
        out.extend_from_slice(tag);
        out.extend_from_slice(&checksum(body).to_be_bytes());
        out.extend_from_slice(&(at as u32).to_be_bytes());
        out.extend_from_slice(&(body.len() as u32).to_be_bytes());
        data.extend_from_slice(body);
        while data.len() % 4 != 0 {
            data.push(0);
        }
        at = 12 + 16 * bodies.len() + data.len();
    }
    out.extend_from_slice(&data);
    let head_at = be32(
        &out,
        12 + 16 * bodies.iter().position(|t| &t.0 == b"head")? + 8,
    )? as usize;
    let adjust = 0xB1B0_AFBAu32.wrapping_sub(checksum(&out));
    out[head_at + 8..head_at + 12].copy_from_slice(&adjust.to_be_bytes());
    Some(out)
}

/// The TrueType checksum: the sum of the big-endian 32-bit words, zero-padded.
fn checksum(bytes: &[u8]) -> u32 {
    bytes.chunks(4).fold(0u32, |sum, c| {
        let mut word = [0u8; 4];
        word[..c.len()].copy_from_slice(c);
        sum.wrapping_add(u32::from_be_bytes(word))
    })
}

/// Standard base64 (RFC 4648, with padding).
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            *chunk.get(1).unwrap_or(&0),
            *chunk.get(2).unwrap_or(&0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_examples() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn the_subset_keeps_the_used_glyphs_and_is_a_valid_font() {
        let chars: BTreeSet<char> = "success rate α é".chars().collect();
        let small = subset(TTF, &chars).expect("a subset");
        assert!(small.len() < TTF.len() / 4, "{} bytes", small.len());
        let full = FontRef::try_from_slice(TTF).unwrap();
        let font = FontRef::try_from_slice(&small).expect("the subset parses");
        for c in ['s', 'α', 'é', 'Z'] {
            let (a, b) = (full.glyph_id(c), font.glyph_id(c));
            assert_eq!(a, b, "glyph ids are kept");
            assert_eq!(full.h_advance_unscaled(a), font.h_advance_unscaled(b));
            let drawn = font.outline(b).is_some();
            assert_eq!(
                drawn,
                c != 'Z',
                "{c}: outline kept only for used characters"
            );
        }
        // The whole file sums to the magic number, as the TrueType spec asks.
        assert_eq!(checksum(&small), 0xB1B0_AFBA);
        // No substitution table: a browser must not swap "fl" for a ligature glyph whose
        // outline was emptied.
        let tags: Vec<&[u8]> = (0..usize::from(be16(&small, 4).unwrap()))
            .map(|i| &small[12 + 16 * i..16 + 16 * i])
            .collect();
        assert!(tags.contains(&&b"glyf"[..]) && !tags.contains(&&b"GSUB"[..]));
        assert!(
            TTF.windows(4).any(|w| w == b"GSUB"),
            "the bundled font has one"
        );
    }
}
