//! Secrets at rest: TOTP secrets, connector credentials and other values Sentia must be able
//! to read back are sealed with AES-256-GCM under one master key — from `SENTIA_MASTER_KEY`
//! or a key file created (mode 0600) on first start. A sealed value is
//! `v1.` + base64url(nonce ‖ ciphertext ‖ tag); the purpose (e.g. `"mfa"`) is bound in as
//! associated data, so a value sealed for one use cannot be passed off as another. A copy of
//! the database without the key reveals none of them.

use std::path::Path;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::RngCore;

/// Prefix of a sealed value (base32 secrets and JSON never start with it).
pub const SEALED_PREFIX: &str = "v1.";
const NONCE_LEN: usize = 12;

/// Why a key or a sealed value could not be used.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The key text is not 32 bytes in base64 or hex.
    #[error("a master key is 32 bytes, written in base64 or as 64 hex digits")]
    BadKey,
    /// The key file could not be read or created.
    #[error("master key file {path}: {why}")]
    KeyFile {
        /// The file.
        path: String,
        /// What went wrong.
        why: String,
    },
    /// Not a sealed value, sealed under another key or for another purpose, or altered.
    #[error("sealed value cannot be opened (another master key, another purpose, or altered)")]
    Unsealable,
}

/// The master key. Its `Debug` never shows the key.
#[derive(Clone)]
pub struct MasterKey([u8; 32]);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey(redacted)")
    }
}

impl MasterKey {
    /// A fresh random key.
    pub fn generate() -> Self {
        let mut k = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut k);
        MasterKey(k)
    }

    /// Reads a key written in standard base64 or as 64 hex digits.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let t = text.trim();
        let bytes = if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) {
            hex::decode(t).map_err(|_| SecretError::BadKey)?
        } else {
            STANDARD.decode(t).map_err(|_| SecretError::BadKey)?
        };
        let k: [u8; 32] = bytes.try_into().map_err(|_| SecretError::BadKey)?;
        Ok(MasterKey(k))
    }

    /// The key in standard base64 (what [`MasterKey::parse`] reads).
    pub fn encoded(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// The key in `path`, or a new one written there (owner-only permissions) when the file
    /// does not exist. Returns the key and whether it was created now.
    pub fn load_or_create(path: &Path) -> Result<(Self, bool), SecretError> {
        let err = |why: String| SecretError::KeyFile {
            path: path.display().to_string(),
            why,
        };
        match std::fs::read_to_string(path) {
            Ok(text) => return Ok((Self::parse(&text)?, false)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(err(e.to_string())),
        }
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let key = Self::generate();
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        match opts.open(path) {
            Ok(mut f) => {
                use std::io::Write;
                f.write_all(format!("{}\n", key.encoded()).as_bytes())
                    .and_then(|()| f.sync_all())
                    .map_err(|e| err(e.to_string()))?;
                Ok((key, true))
            }
            // Another process created it first: use theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
                Ok((Self::parse(&text)?, false))
            }
            Err(e) => Err(err(e.to_string())),
        }
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new_from_slice(&self.0).expect("32-byte key")
    }

    /// Seals `plain` for `purpose` under a fresh random nonce.
    pub fn seal(&self, purpose: &str, plain: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let ct = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plain.as_bytes(),
                    aad: purpose.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of a short value");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ct);
        format!("{SEALED_PREFIX}{}", URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens a value sealed for `purpose` under this key.
    pub fn open(&self, purpose: &str, sealed: &str) -> Result<String, SecretError> {
        let body = sealed
            .strip_prefix(SEALED_PREFIX)
            .ok_or(SecretError::Unsealable)?;
        let raw = URL_SAFE_NO_PAD
            .decode(body)
            .map_err(|_| SecretError::Unsealable)?;
        if raw.len() < NONCE_LEN + 16 {
            return Err(SecretError::Unsealable);
        }
        let (nonce, ct) = raw.split_at(NONCE_LEN);
        let plain = self
            .cipher()
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ct,
                    aad: purpose.as_bytes(),
                },
            )
            .map_err(|_| SecretError::Unsealable)?;
        String::from_utf8(plain).map_err(|_| SecretError::Unsealable)
    }

    /// Whether a stored value is sealed (rather than a value written before sealing).
    pub fn is_sealed(stored: &str) -> bool {
        stored.starts_with(SEALED_PREFIX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealed_values_open_only_with_their_key_and_purpose() {
        let k = MasterKey::generate();
        let s = k.seal("mfa", "JBSWY3DPEHPK3PXP");
        assert!(MasterKey::is_sealed(&s));
        assert!(!s.contains("JBSWY3DPEHPK3PXP"));
        assert_eq!(k.open("mfa", &s).unwrap(), "JBSWY3DPEHPK3PXP");
        // Fresh nonce each time.
        assert_ne!(s, k.seal("mfa", "JBSWY3DPEHPK3PXP"));
        assert!(k.open("connector", &s).is_err(), "purpose is bound");
        assert!(MasterKey::generate().open("mfa", &s).is_err(), "other key");
        let mut altered = s.clone().into_bytes();
        let last = altered.len() - 5;
        altered[last] = if altered[last] == b'A' { b'B' } else { b'A' };
        assert!(k.open("mfa", &String::from_utf8(altered).unwrap()).is_err());
        assert!(k.open("mfa", "JBSWY3DPEHPK3PXP").is_err(), "not sealed");
        assert!(k.open("mfa", "v1.").is_err());
    }

    #[test]
    fn keys_parse_from_base64_and_hex_and_nothing_else() {
        let k = MasterKey::generate();
        let again = MasterKey::parse(&k.encoded()).unwrap();
        assert_eq!(again.0, k.0);
        let hexed = MasterKey::parse(&hex::encode(k.0)).unwrap();
        assert_eq!(hexed.0, k.0);
        assert!(MasterKey::parse("c2hvcnQ=").is_err(), "too short");
        assert!(MasterKey::parse("not a key").is_err());
        assert_eq!(format!("{k:?}"), "MasterKey(redacted)");
    }

    #[test]
    fn a_key_file_is_created_once_and_read_back() {
        let dir = std::env::temp_dir().join(format!("sentia-key-{}", rand::random::<u64>()));
        let path = dir.join("nested").join("master.key");
        let (a, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(created);
        let (b, created) = MasterKey::load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(a.0, b.0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "garbage").unwrap();
        assert!(matches!(
            MasterKey::load_or_create(&path),
            Err(SecretError::BadKey)
        ));
        std::fs::remove_dir_all(dir).unwrap();
    }
}
