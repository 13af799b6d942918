//! What an image's bytes are and what is written for it, on bytes in memory (no I/O): the format is read from
//! the content (the PNG signature, or a JPEG's `FF D8 FF` start), never from the key, so a file's extension
//! always tells its loader the truth. Lookout for Vision accepted only PNG and JPEG; anything else fails the
//! entry. A JPEG that must be PNG ([`Encoding::Png`], the MVTec layout) is decoded and re-encoded losslessly
//! (its decoded pixels, 8-bit, default compression); a PNG is never re-encoded, nor is anything under
//! [`Encoding::AsFetched`]. Decoding is limited to [`super::mask::MAX_DECODED`] bytes of pixels.

use std::io::Cursor;

use super::layout::Encoding;
use super::mask::{MAX_DECODED, is_png, png_size};

/// An image format Lookout for Vision accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// PNG, written `.png`.
    Png,
    /// JPEG, written `.jpg`.
    Jpeg,
}

impl Format {
    /// The file extension: `png` or `jpg`.
    pub fn ext(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Jpeg => "jpg",
        }
    }
}

/// The format of `bytes`, from their first bytes.
pub fn sniff(bytes: &[u8]) -> Result<Format, String> {
    if is_png(bytes) {
        Ok(Format::Png)
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Ok(Format::Jpeg)
    } else {
        let head: Vec<String> = bytes.iter().take(4).map(|b| format!("{b:02x}")).collect();
        Err(format!("is neither PNG nor JPEG (first bytes {})", head.join(" ")))
    }
}

fn reader(bytes: &[u8]) -> image::ImageReader<Cursor<&[u8]>> {
    let mut r = image::ImageReader::with_format(Cursor::new(bytes), image::ImageFormat::Jpeg);
    let mut limits = image::Limits::default();
    limits.max_alloc = Some(MAX_DECODED as u64);
    r.limits(limits);
    r
}

/// Width and height of an image of `format`, from its header.
pub fn size(bytes: &[u8], format: Format) -> Result<(u32, u32), String> {
    match format {
        Format::Png => png_size(bytes),
        Format::Jpeg => reader(bytes).into_dimensions().map_err(|e| format!("not a readable JPEG: {e}")),
    }
}

/// The PNG to write instead of the fetched bytes of an image of `format` under `encoding` (a JPEG bound for
/// PNG), or `None` when the fetched bytes are written as they are (their extension is then `format`'s).
pub fn output(bytes: &[u8], format: Format, encoding: Encoding) -> Result<Option<Vec<u8>>, String> {
    match (format, encoding) {
        (Format::Png, _) | (Format::Jpeg, Encoding::AsFetched) => Ok(None),
        (Format::Jpeg, Encoding::Png) => {
            let img = reader(bytes).decode().map_err(|e| format!("not a readable JPEG: {e}"))?;
            let mut out = Cursor::new(Vec::new());
            img.write_to(&mut out, image::ImageFormat::Png).map_err(|e| format!("PNG encode: {e}"))?;
            Ok(Some(out.into_inner()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w` x `h` JPEG of a gradient.
    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let px: Vec<u8> = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
        let mut out = Vec::new();
        let enc = image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 90);
        image::ImageEncoder::write_image(enc, &px, w, h, image::ExtendedColorType::Rgb8).unwrap();
        out
    }

    #[test]
    fn formats_come_from_the_content() {
        let j = jpeg(5, 3);
        assert_eq!(sniff(&j), Ok(Format::Jpeg));
        assert_eq!(size(&j, Format::Jpeg), Ok((5, 3)));
        assert!(sniff(b"GIF89a...").unwrap_err().contains("neither PNG nor JPEG (first bytes 47 49 46 38)"));
        assert!(sniff(b"").is_err());
        // Only a JPEG bound for PNG is re-encoded, and it decodes to the JPEG's size.
        assert_eq!(output(&j, Format::Jpeg, Encoding::AsFetched), Ok(None));
        let png = output(&j, Format::Jpeg, Encoding::Png).unwrap().unwrap();
        assert_eq!(sniff(&png), Ok(Format::Png));
        assert_eq!(png_size(&png), Ok((5, 3)));
        assert_eq!(output(&png, Format::Png, Encoding::Png), Ok(None));
        assert!(output(b"\xff\xd8\xff broken", Format::Jpeg, Encoding::Png).is_err());
        assert_eq!((Format::Png.ext(), Format::Jpeg.ext()), ("png", "jpg"));
    }
}
