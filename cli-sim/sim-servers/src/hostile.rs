//! Hostile answers: what a captive portal, a broken or meddling proxy, or a
//! server behind one sends instead of the answer the contract describes.
//!
//! The HTTP layer ([`super::http`]) gives them when the faults say so
//! ([`FaultConfig::rate_portal`], [`FaultConfig::rate_hostile`]); this module
//! makes them. Small answers are whole [`Response`]s; the huge body and the
//! slow drip are streamed by the HTTP layer from a description, so that a
//! 64 MiB answer is never held in memory. The gzip bomb is compressed once
//! per size and kept.
//!
//! [`serve`] starts a server that gives a hostile answer to every request,
//! on any path, for end-to-end tests that point an agent at it.

use super::faults::{FaultConfig, HostileKind};
use super::message::Response;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// The body of a `wrong_shape_200` answer: valid JSON, no expected field.
pub const WRONG_SHAPE_BODY: &str = r#"{"ok":true}"#;

/// The default `Location` of a `redirect_302` answer: a port nothing listens on.
pub const DEFAULT_REDIRECT: &str = "http://127.0.0.1:1/login";

/// The length of a `garbage_200` body.
pub const GARBAGE_BYTES: usize = 4096;

/// The title of the captive portal's page (tests look for it).
pub const PORTAL_TITLE: &str = "Wi-Fi Hotspot - Sign in";

/// One hostile answer, ready for the HTTP layer to write.
#[derive(Debug, Clone)]
pub enum Answer {
    /// A response written as usual (its body is small, or shared and
    /// compressed like the gzip bomb).
    Whole(Response),
    /// 200 with `Content-Length: len` and a JSON-looking body written in
    /// pieces, never held whole.
    Huge {
        /// Body length in bytes.
        len: u64,
    },
    /// 200 with `Content-Length: len`, one byte of the body every `interval_ms`.
    Drip {
        /// Body length in bytes.
        len: u64,
        /// Milliseconds between two bytes.
        interval_ms: u64,
    },
}

/// A captive portal's login page: 200, `text/html`, on any path.
pub fn portal_page() -> Response {
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{PORTAL_TITLE}</title>\n\
         <style>body{{font-family:sans-serif;margin:2em}}form{{max-width:20em}}</style>\n\
         </head>\n<body>\n<h1>Welcome to the free Wi-Fi</h1>\n\
         <p>Please accept the terms of use or sign in with your voucher to access the Internet.</p>\n\
         <form method=\"post\" action=\"http://192.168.88.1/login\">\n\
         <input type=\"hidden\" name=\"dst\" value=\"\">\n\
         <label>Voucher code <input name=\"username\" autocomplete=\"off\"></label><br>\n\
         <label><input type=\"checkbox\" name=\"accept\" required> I accept the terms of use</label><br>\n\
         <button type=\"submit\">Connect</button>\n</form>\n\
         <p><small>Powered by HotSpot Gateway</small></p>\n</body>\n</html>\n"
    );
    Response::text(200, "text/html; charset=utf-8", body)
        .with_header("Cache-Control", "no-cache, no-store")
        .with_header("Pragma", "no-cache")
}

/// A page like the one nginx shows for an error status.
pub fn proxy_page(status: u16, reason: &str) -> Response {
    let body = format!(
        "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n\
         <center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n\
         </body>\r\n</html>\r\n"
    );
    Response::text(status, "text/html", body)
}

/// The hostile answer of this kind. `seed` makes the garbage bytes.
pub fn answer(kind: HostileKind, config: &FaultConfig, seed: u64) -> Answer {
    let json = "application/json;charset=UTF-8";
    match kind {
        HostileKind::Html200 => Answer::Whole(Response::text(
            200,
            "text/html; charset=utf-8",
            "<!DOCTYPE html>\n<html><head><title>Home</title></head>\n\
             <body><h1>It works!</h1><p>This is the default web page for this server.</p></body></html>\n",
        )),
        HostileKind::Empty200 => Answer::Whole(Response::text(200, json, "")),
        HostileKind::WrongShape200 => Answer::Whole(Response::text(200, json, WRONG_SHAPE_BODY)),
        HostileKind::Garbage200 => {
            let mut rng = fastrand::Rng::with_seed(seed);
            // Every byte at 0x80 or above: never valid UTF-8 (no lead byte is
            // followed by the right continuation bytes for long).
            let mut body: Vec<u8> = (0..GARBAGE_BYTES).map(|_| rng.u8(0x80..=0xff)).collect();
            // 0xFF never occurs in UTF-8.
            body[0] = 0xff;
            Answer::Whole(Response {
                status: 200,
                headers: vec![("Content-Type".into(), json.into())],
                body,
            })
        }
        HostileKind::Huge200 => Answer::Huge {
            len: config.huge_bytes,
        },
        HostileKind::GzipBomb200 => Answer::Whole(Response {
            status: 200,
            headers: vec![
                ("Content-Type".into(), json.into()),
                ("Content-Encoding".into(), "gzip".into()),
            ],
            body: gzip_bomb(config.gzip_bomb_bytes).as_ref().clone(),
        }),
        HostileKind::Redirect302 => {
            let location = config
                .redirect_location
                .clone()
                .unwrap_or_else(|| DEFAULT_REDIRECT.to_string());
            Answer::Whole(proxy_page(302, "Found").with_header("Location", &location))
        }
        HostileKind::Html400 => Answer::Whole(proxy_page(400, "Bad Request")),
        HostileKind::Html404 => Answer::Whole(proxy_page(404, "Not Found")),
        HostileKind::TooLarge413 => Answer::Whole(proxy_page(413, "Request Entity Too Large")),
        HostileKind::SlowDrip => Answer::Drip {
            len: (config.drip_max_secs.saturating_mul(1000) / config.drip_interval_ms.max(1))
                .max(1),
            interval_ms: config.drip_interval_ms.max(1),
        },
    }
}

/// The piece a huge body repeats: JSON-looking text that never closes.
pub fn huge_piece() -> &'static [u8] {
    static PIECE: OnceLock<Vec<u8>> = OnceLock::new();
    PIECE.get_or_init(|| {
        let unit = br#"{"id":"00000000-0000-0000-0000-000000000000","value":"0123456789"},"#;
        let mut v = b"[".to_vec();
        while v.len() + unit.len() <= 64 * 1024 {
            v.extend_from_slice(unit);
        }
        v
    })
}

/// A single gzip member of `bytes` zeros, compressed once per size and kept
/// (about 1 KiB per MiB inflated).
///
/// Compressing 1 GiB takes half a minute in a debug build, so the member is
/// assembled instead: each MiB of zeros is deflated after a full flush (which
/// resets the compressor), so every MiB gives the same bytes, which are
/// repeated; the CRC-32 of the zeros is combined from the CRC of one MiB. If
/// two consecutive MiB ever deflate differently, every MiB is deflated.
pub fn gzip_bomb(bytes: u64) -> Arc<Vec<u8>> {
    static BOMBS: OnceLock<Mutex<HashMap<u64, Arc<Vec<u8>>>>> = OnceLock::new();
    let bombs = BOMBS.get_or_init(|| Mutex::new(HashMap::new()));
    let mut map = bombs.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(b) = map.get(&bytes) {
        return Arc::clone(b);
    }
    let body = Arc::new(assemble_bomb(bytes).unwrap_or_default());
    map.insert(bytes, Arc::clone(&body));
    body
}

/// One MiB, the unit the bomb is made of.
const BOMB_CHUNK: usize = 1024 * 1024;

/// Deflates `input` into `out` with `flush`, until all of it is taken.
fn deflate_into(
    c: &mut flate2::Compress,
    input: &[u8],
    out: &mut Vec<u8>,
    flush: flate2::FlushCompress,
) -> Option<()> {
    let start_in = c.total_in();
    loop {
        let used = usize::try_from(c.total_in() - start_in).ok()?;
        if out.capacity() - out.len() < 64 * 1024 {
            out.reserve(256 * 1024);
        }
        let status = c.compress_vec(&input[used..], out, flush).ok()?;
        let used = usize::try_from(c.total_in() - start_in).ok()?;
        let room_left = out.capacity() > out.len();
        match status {
            flate2::Status::StreamEnd => return Some(()),
            _ if used == input.len() && room_left => return Some(()),
            _ => {}
        }
    }
}

fn assemble_bomb(bytes: u64) -> Option<Vec<u8>> {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; BOMB_CHUNK];
    let whole = bytes / BOMB_CHUNK as u64;
    let rest = usize::try_from(bytes % BOMB_CHUNK as u64).ok()?;
    let mut c = Compress::new(Compression::best(), false);
    let mut first = Vec::new();
    let mut second = Vec::new();
    if whole >= 1 {
        deflate_into(&mut c, &zeros, &mut first, FlushCompress::Full)?;
    }
    if whole >= 2 {
        deflate_into(&mut c, &zeros, &mut second, FlushCompress::Full)?;
        if first != second {
            return deflate_all(bytes);
        }
    }
    let mut deflated = Vec::with_capacity(first.len() * usize::try_from(whole).ok()? + 1024);
    for _ in 0..whole {
        deflated.extend_from_slice(&first);
    }
    deflate_into(&mut c, &zeros[..rest], &mut deflated, FlushCompress::Finish)?;
    Some(gzip_member(&deflated, bytes))
}

/// The slow way: every MiB through the compressor.
fn deflate_all(bytes: u64) -> Option<Vec<u8>> {
    use flate2::{Compress, Compression, FlushCompress};
    let zeros = vec![0u8; BOMB_CHUNK];
    let mut c = Compress::new(Compression::best(), false);
    let mut deflated = Vec::new();
    let mut left = bytes;
    while left > BOMB_CHUNK as u64 {
        deflate_into(&mut c, &zeros, &mut deflated, FlushCompress::None)?;
        left -= BOMB_CHUNK as u64;
    }
    let rest = usize::try_from(left).ok()?;
    deflate_into(&mut c, &zeros[..rest], &mut deflated, FlushCompress::Finish)?;
    Some(gzip_member(&deflated, bytes))
}

/// Wraps a raw deflate stream of `bytes` zeros in a gzip header and trailer.
fn gzip_member(deflated: &[u8], bytes: u64) -> Vec<u8> {
    // The CRC-32 of `bytes` zeros, by doubling from one MiB.
    let mut unit = flate2::Crc::new();
    unit.update(&vec![0u8; BOMB_CHUNK]);
    let mut crc = flate2::Crc::new();
    let mut n = bytes / BOMB_CHUNK as u64;
    while n > 0 {
        if n & 1 == 1 {
            crc.combine(&unit);
        }
        let mut twice = flate2::Crc::new();
        twice.combine(&unit);
        twice.combine(&unit);
        unit = twice;
        n >>= 1;
    }
    let rest = usize::try_from(bytes % BOMB_CHUNK as u64).unwrap_or(0);
    let mut tail = flate2::Crc::new();
    tail.update(&vec![0u8; rest]);
    crc.combine(&tail);
    let mut out = Vec::with_capacity(deflated.len() + 18);
    // ID1 ID2 CM=deflate FLG=0 MTIME=0 XFL=2 (best) OS=255 (unknown).
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 2, 0xff]);
    out.extend_from_slice(deflated);
    out.extend_from_slice(&crc.sum().to_le_bytes());
    out.extend_from_slice(&((bytes & 0xffff_ffff) as u32).to_le_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Inflates a gzip body whole (checking the CRC and length trailer);
    /// the inflated length, or an error.
    fn inflate(body: &[u8]) -> std::io::Result<u64> {
        use std::io::Read as _;
        let mut d = flate2::read::GzDecoder::new(body);
        let mut buf = vec![0u8; 1 << 20];
        let mut total = 0u64;
        loop {
            let n = d.read(&mut buf)?;
            if n == 0 {
                return Ok(total);
            }
            assert!(buf[..n].iter().all(|b| *b == 0));
            total += n as u64;
        }
    }

    #[test]
    fn the_gzip_bomb_is_small_and_inflates_to_its_size() {
        // Sizes that are and are not whole MiB; the trailer's CRC is checked
        // by the decoder, so a wrong CRC fails here.
        for size in [64 * 1024 * 1024 + 12_345, 3 * 1024 * 1024, 1000] {
            let bomb = gzip_bomb(size);
            assert!(
                bomb.len() as u64 <= size / 500 + 1024,
                "{} bytes",
                bomb.len()
            );
            assert_eq!(inflate(&bomb).unwrap(), size);
        }
        // Kept: the second call is the same buffer.
        let a = gzip_bomb(3 * 1024 * 1024);
        assert!(Arc::ptr_eq(&a, &gzip_bomb(3 * 1024 * 1024)));
        // The default bomb: 1 GiB in about 1 MiB on the wire.
        let big = gzip_bomb(FaultConfig::default().gzip_bomb_bytes);
        assert!(big.len() < 2 * 1024 * 1024, "{} bytes", big.len());
        assert!(big.len() > 512 * 1024, "{} bytes", big.len());
    }

    #[test]
    fn garbage_is_not_utf8_and_the_portal_is_html() {
        let Answer::Whole(g) = answer(HostileKind::Garbage200, &FaultConfig::default(), 3) else {
            panic!("garbage is a whole answer");
        };
        assert!(std::str::from_utf8(&g.body).is_err());
        assert_eq!(g.body.len(), GARBAGE_BYTES);
        let p = portal_page();
        assert_eq!(p.status, 200);
        assert!(String::from_utf8_lossy(&p.body).contains(PORTAL_TITLE));
    }
}
