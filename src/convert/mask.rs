//! Colour masks to binary masks, on bytes in memory (no I/O).
//!
//! The colour mask is decoded (any PNG colour type and depth, expanded to 8-bit: palettes and greyscale to
//! RGB, 16-bit samples stripped to their high byte, alpha ignored) and each pixel becomes 255 if its RGB equals
//! one of the entry's anomaly colours exactly, else 0. The result is an 8-bit greyscale PNG of the same size.
//! Decoding is limited to 64 MiB of pixels so a hostile file cannot exhaust memory.

/// Most bytes of decoded pixels accepted: 64 MiB.
pub const MAX_DECODED: usize = 64 << 20;

/// An image's size and RGB pixels.
#[derive(Debug, Clone, PartialEq)]
pub struct Rgb {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// Row-major RGB triplets.
    pub pixels: Vec<[u8; 3]>,
}

fn decoder(bytes: &[u8]) -> png::Decoder<std::io::Cursor<&[u8]>> {
    let limits = png::Limits { bytes: MAX_DECODED };
    let mut d = png::Decoder::new_with_limits(std::io::Cursor::new(bytes), limits);
    d.set_transformations(png::Transformations::normalize_to_color8());
    d
}

/// True if the bytes start with the PNG signature.
pub fn is_png(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n'])
}

/// Width and height from a PNG header, without decoding pixels.
pub fn png_size(bytes: &[u8]) -> Result<(u32, u32), String> {
    let r = decoder(bytes).read_info().map_err(|e| format!("not a readable PNG: {e}"))?;
    let info = r.info();
    Ok((info.width, info.height))
}

/// Decode a PNG to RGB.
pub fn decode_rgb(bytes: &[u8]) -> Result<Rgb, String> {
    let mut reader = decoder(bytes).read_info().map_err(|e| format!("not a readable PNG: {e}"))?;
    let size = reader.output_buffer_size().ok_or("PNG too large")?;
    let mut buf = vec![0; size];
    let info = reader.next_frame(&mut buf).map_err(|e| format!("PNG data unreadable: {e}"))?;
    let data = &buf[..info.buffer_size()];
    let samples = info.color_type.samples();
    let pixels = data
        .chunks_exact(samples)
        .map(|p| match info.color_type {
            png::ColorType::Grayscale | png::ColorType::GrayscaleAlpha => [p[0], p[0], p[0]],
            _ => [p[0], p[1], p[2]],
        })
        .collect::<Vec<_>>();
    if pixels.len() != (info.width as usize) * (info.height as usize) {
        return Err(format!("PNG holds {} pixels for {}x{}", pixels.len(), info.width, info.height));
    }
    Ok(Rgb { width: info.width, height: info.height, pixels })
}

/// 255 where a pixel has one of `colors`, 0 elsewhere.
pub fn binarize(mask: &Rgb, colors: &[[u8; 3]]) -> Vec<u8> {
    mask.pixels.iter().map(|p| if colors.contains(p) { 255 } else { 0 }).collect()
}

/// Encode 8-bit greyscale pixels as PNG.
pub fn encode_gray(width: u32, height: u32, pixels: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, width, height);
    enc.set_color(png::ColorType::Grayscale);
    enc.set_depth(png::BitDepth::Eight);
    let mut w = enc.write_header().map_err(|e| format!("PNG encode: {e}"))?;
    w.write_image_data(pixels).map_err(|e| format!("PNG encode: {e}"))?;
    w.finish().map_err(|e| format!("PNG encode: {e}"))?;
    Ok(out)
}

/// The binary mask PNG of a colour mask PNG. `image_size`: the image's size if known; a mask of another size
/// is an error (the binary mask must match its image).
pub fn binary_mask_png(
    color_png: &[u8],
    colors: &[[u8; 3]],
    image_size: Option<(u32, u32)>,
) -> Result<Vec<u8>, String> {
    let rgb = decode_rgb(color_png)?;
    if let Some((w, h)) = image_size
        && (w, h) != (rgb.width, rgb.height)
    {
        return Err(format!("mask is {}x{} but its image is {w}x{h}", rgb.width, rgb.height));
    }
    encode_gray(rgb.width, rgb.height, &binarize(&rgb, colors))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rgb_png(w: u32, h: u32, px: &[[u8; 3]]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(&px.concat()).unwrap();
        wr.finish().unwrap();
        out
    }

    #[test]
    fn any_listed_colour_is_255_everything_else_0() {
        let (bg, a, b, other) = ([255, 255, 255], [44, 160, 44], [31, 119, 180], [44, 160, 45]);
        let png = rgb_png(3, 2, &[bg, a, b, other, a, bg]);
        let out = decode_gray(&binary_mask_png(&png, &[a, b], Some((3, 2))).unwrap());
        assert_eq!(out, ((3, 2), vec![0, 255, 255, 0, 255, 0]));
        assert!(binary_mask_png(&png, &[a], Some((2, 3))).unwrap_err().contains("mask is 3x2 but its image is 2x3"));
        assert!(binary_mask_png(b"not a png", &[a], None).is_err());
        assert_eq!(png_size(&png), Ok((3, 2)));
        assert!(is_png(&png) && !is_png(b"\xff\xd8\xff"));
    }

    fn decode_gray(bytes: &[u8]) -> ((u32, u32), Vec<u8>) {
        let rgb = decode_rgb(bytes).unwrap();
        ((rgb.width, rgb.height), rgb.pixels.iter().map(|p| p[0]).collect())
    }
}
