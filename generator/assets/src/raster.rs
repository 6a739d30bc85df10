//! Raster pictures from outside (photos, PNG logos, pictures embedded in an SVG): what
//! they are, how large they are and whether they are whole, read from their bytes
//! without decoding them, so that a decompression bomb or a cut file is refused with
//! a clear message before anything is allocated for its pixels.

use marque_project::limits::{IMAGE_PIXELS, IMAGE_SIDE};

/// A picture's format and size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RasterInfo {
    /// `PNG`, `JPEG`, `GIF` or `WebP`.
    pub format: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
}

/// The format of `bytes`, from their first bytes.
pub fn format_of(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("PNG")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("JPEG")
    } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
        Some("GIF")
    } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
        Some("WebP")
    } else {
        None
    }
}

fn dimensions(format: &str, bytes: &[u8]) -> Result<(u32, u32), String> {
    if format == "PNG" {
        // The IHDR chunk comes first, at a fixed place.
        return match (bytes.get(12..16), bytes.get(16..24)) {
            (Some(b"IHDR"), Some(b)) => Ok((
                u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
                u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            )),
            _ => Err("the PNG file has no header (IHDR): it is damaged".into()),
        };
    }
    if format == "GIF" {
        return match bytes.get(6..10) {
            Some(b) => Ok((
                u16::from_le_bytes([b[0], b[1]]) as u32,
                u16::from_le_bytes([b[2], b[3]]) as u32,
            )),
            None => Err("the picture is cut short: its header is incomplete".into()),
        };
    }
    image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(image::ImageError::IoError)
        .and_then(|r| r.into_dimensions())
        .map_err(|e| format!("the {format} file cannot be read: {e}"))
}

/// True when the file ends as its format says a whole file ends.
fn is_whole(format: &str, bytes: &[u8]) -> bool {
    match format {
        "PNG" => bytes.ends_with(&[0, 0, 0, 0, b'I', b'E', b'N', b'D', 0xAE, 0x42, 0x60, 0x82]),
        "JPEG" => {
            // Some writers pad the file after its end marker.
            let end = bytes
                .iter()
                .rposition(|&b| b != 0 && b != b'\n' && b != b'\r' && b != b' ')
                .unwrap_or(0);
            end >= 1 && bytes[end - 1] == 0xFF && bytes[end] == 0xD9
        }
        "GIF" => bytes.last() == Some(&0x3B),
        "WebP" => bytes
            .get(4..8)
            .map(|b| u32::from_le_bytes([b[0], b[1], b[2], b[3]]) as usize + 8)
            .is_some_and(|n| n <= bytes.len()),
        _ => false,
    }
}

/// The format and size of a picture, refusing what is not a PNG, JPEG, GIF or WebP,
/// what is over the size limits, and a file that is cut short.
pub fn inspect(bytes: &[u8]) -> Result<RasterInfo, String> {
    let format = format_of(bytes)
        .ok_or("not a PNG, JPEG, GIF or WebP picture (its first bytes are none of these)")?;
    let (width, height) = dimensions(format, bytes)?;
    if width == 0 || height == 0 {
        return Err(format!(
            "the {format} picture is {width} × {height} pixels: it is empty"
        ));
    }
    if width > IMAGE_SIDE || height > IMAGE_SIDE || width as u64 * height as u64 > IMAGE_PIXELS {
        return Err(format!(
            "the {format} picture is {width} × {height} pixels, over marque's limit of {IMAGE_SIDE} pixels a side and {} megapixels: make it smaller",
            IMAGE_PIXELS / 1_000_000
        ));
    }
    if !is_whole(format, bytes) {
        return Err(format!(
            "the {format} file is cut short (its end is missing): export or copy it again"
        ));
    }
    Ok(RasterInfo {
        format,
        width,
        height,
    })
}

/// Decodes a picture that [`inspect`] accepted, with the decoder's own memory limits
/// set as well.
pub fn decode(bytes: &[u8]) -> Result<image::DynamicImage, String> {
    inspect(bytes)?;
    let mut reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| e.to_string())?;
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(IMAGE_SIDE);
    limits.max_image_height = Some(IMAGE_SIDE);
    limits.max_alloc = Some(IMAGE_PIXELS * 4 + (64 << 20));
    reader.limits(limits);
    reader
        .decode()
        .map_err(|e| format!("the picture cannot be decoded: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Grayscale);
        let mut wr = enc.write_header().unwrap();
        wr.write_image_data(&vec![0u8; (w * h) as usize]).unwrap();
        drop(wr);
        out
    }

    #[test]
    fn reads_sizes_and_refuses_cut_and_huge_pictures() {
        let ok = png(3, 2);
        assert_eq!(
            inspect(&ok).unwrap(),
            RasterInfo {
                format: "PNG",
                width: 3,
                height: 2
            }
        );
        let cut = &ok[..ok.len() - 5];
        assert!(inspect(cut).unwrap_err().contains("cut short"));
        // A header that claims 60000 × 60000 pixels: refused before any decoding.
        let mut bomb = Vec::new();
        {
            let mut enc = png::Encoder::new(&mut bomb, 60000, 60000);
            enc.set_color(png::ColorType::Grayscale);
            drop(enc.write_header().unwrap());
        }
        let e = inspect(&bomb).unwrap_err();
        assert!(
            e.contains("60000 × 60000 pixels, over marque's limit"),
            "{e}"
        );
        assert!(inspect(b"hello").unwrap_err().contains("not a PNG"));
    }
}
