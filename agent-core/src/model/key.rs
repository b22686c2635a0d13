//! The outbox's encryption key (SQLCipher, issue 17 item 4): a raw 256-bit
//! key given by the shell (a key file readable by the owner only, the
//! Android Keystore through the app), used as is: no passphrase stretching
//! (`PRAGMA key = "x'…'"`), so opening costs no key derivation.
//!
//! The key is never logged, stored, or shown: its `Debug` prints nothing of
//! it, and the memory is overwritten when it is dropped (best effort).

/// Number of bytes in a key.
pub const KEY_BYTES: usize = 32;

/// A raw 256-bit key for the outbox database.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboxKey([u8; KEY_BYTES]);

impl std::fmt::Debug for OutboxKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OutboxKey(..)")
    }
}

impl Drop for OutboxKey {
    fn drop(&mut self) {
        self.0 = [0; KEY_BYTES];
    }
}

impl OutboxKey {
    /// The key from its 32 bytes.
    pub fn from_raw(bytes: [u8; KEY_BYTES]) -> OutboxKey {
        OutboxKey(bytes)
    }

    /// Reads a key as the shell gives it: exactly 32 raw bytes, or 64
    /// hexadecimal digits (surrounding white space, such as a final new
    /// line, ignored). The error says what was found (never the key).
    pub fn parse(bytes: &[u8]) -> Result<OutboxKey, String> {
        if let Ok(raw) = <[u8; KEY_BYTES]>::try_from(bytes) {
            // 32 bytes that are all hex digits would be a 128-bit key
            // written as hex: refuse rather than guess.
            if !raw.iter().all(u8::is_ascii_hexdigit) {
                return Ok(OutboxKey(raw));
            }
        }
        let text = bytes.trim_ascii();
        if text.len() == 2 * KEY_BYTES && text.iter().all(u8::is_ascii_hexdigit) {
            let mut key = [0u8; KEY_BYTES];
            for (i, pair) in text.chunks_exact(2).enumerate() {
                let hi = hex_value(pair[0]);
                let lo = hex_value(pair[1]);
                key[i] = (hi << 4) | lo;
            }
            return Ok(OutboxKey(key));
        }
        Err(format!(
            "the outbox key must be 256 bits: 64 hexadecimal digits (for example made with `openssl rand -hex 32`) or exactly 32 bytes; this one has {} bytes",
            bytes.len()
        ))
    }

    /// The key as 64 lower-case hexadecimal digits, for the store's raw
    /// key literal only (never for display).
    pub(crate) fn hex(&self) -> String {
        let mut s = String::with_capacity(2 * KEY_BYTES);
        for b in self.0 {
            s.push(char::from(HEX[usize::from(b >> 4)]));
            s.push(char::from(HEX[usize::from(b & 0x0f)]));
        }
        s
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

fn hex_value(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_and_raw_keys_are_read_and_others_refused() {
        let hex = "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n";
        let k = OutboxKey::parse(hex.as_bytes()).unwrap();
        assert_eq!(
            k.hex(),
            "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
        );
        let raw = [0xA5u8; 32];
        assert_eq!(OutboxKey::parse(&raw).unwrap(), OutboxKey::from_raw(raw));
        let short = OutboxKey::parse(b"secret\n").unwrap_err();
        assert!(short.contains("this one has 7 bytes"), "{short}");
        // 32 hex digits: a 128-bit key, refused.
        assert!(OutboxKey::parse(b"00112233445566778899aabbccddeeff").is_err());
        assert_eq!(format!("{k:?}"), "OutboxKey(..)");
    }
}
