//! TA signing keys: `cargo xtask keygen`, and which key our kernel trusts.
//!
//! By default our kernel trusts the project's DEVELOPMENT key
//! (`xtask/keys/dev_ta_key.pem`, public: it proves nothing) and xtask signs
//! every TA with it. `--ta-key <pem>` on `build`, `run` and `test` replaces
//! it: the kernel is built trusting that key's public half, every TA (Rust
//! and C) is signed with it, and the development key becomes the
//! "untrusted" key of the bad-signature test.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use anyhow::{Context, Result, anyhow, ensure};
use rsa::RsaPrivateKey;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};

/// The project's development key (public, for development only).
pub const DEV_KEY: &str = "xtask/keys/dev_ta_key.pem";

/// RSA modulus sizes `keygen` offers (OP-TEE takes 2048..=4096).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum KeyBits {
    #[value(name = "2048")]
    Rsa2048,
    #[value(name = "3072")]
    Rsa3072,
    #[value(name = "4096")]
    Rsa4096,
}

impl KeyBits {
    pub fn bits(self) -> usize {
        match self {
            KeyBits::Rsa2048 => 2048,
            KeyBits::Rsa3072 => 3072,
            KeyBits::Rsa4096 => 4096,
        }
    }
}

/// The key `--ta-key` named, if any: our kernel trusts it instead of the
/// development key. One process-wide choice (set once by `main`; the
/// own-key test case sets it for its boot and puts it back) rather than a
/// parameter threaded through every boot of the test runner.
static OURS_TA_KEY: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Makes our kernel trust `key` (a private key PEM) instead of the
/// development key; `None` goes back to the development key. Returns the
/// previous choice.
pub fn set_ours_ta_key(key: Option<PathBuf>) -> Option<PathBuf> {
    std::mem::replace(&mut *OURS_TA_KEY.lock().unwrap_or_else(|e| e.into_inner()), key)
}

/// The key chosen with `--ta-key`, if any.
pub fn ours_ta_key() -> Option<PathBuf> {
    OURS_TA_KEY.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The development key's path.
pub fn dev_key(root: &Path) -> PathBuf {
    root.join(DEV_KEY)
}

/// Where the public half of `--ta-key` goes for the kernel build.
pub fn ours_pubkey_path(root: &Path) -> PathBuf {
    root.join("target/tz/ours-ta-key.pub.pem")
}

/// A fresh RSA key pair as (private PKCS#8 PEM, public SPKI PEM).
pub fn generate_pem(bits: usize) -> Result<(String, String)> {
    ensure!((2048..=4096).contains(&bits), "OP-TEE takes RSA keys of 2048 to 4096 bits, not {bits}");
    let key = RsaPrivateKey::new(&mut rand::rngs::OsRng, bits).map_err(|e| anyhow!("RSA key generation: {e}"))?;
    let private = key.to_pkcs8_pem(LineEnding::LF).map_err(|e| anyhow!("encoding the private key: {e}"))?;
    let public =
        key.to_public_key().to_public_key_pem(LineEnding::LF).map_err(|e| anyhow!("encoding the public key: {e}"))?;
    Ok((private.to_string(), public))
}

/// The two files `keygen` writes into `dir`.
pub fn key_files(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join("ta_key.pem"), dir.join("ta_key.pub.pem"))
}

/// `cargo xtask keygen <dir>`: writes `ta_key.pem` (private, PKCS#8, mode
/// 0600) and `ta_key.pub.pem` (SPKI) into `dir`; never overwrites a key.
/// Returns the private key's path.
pub fn keygen(dir: &Path, bits: usize) -> Result<PathBuf> {
    let (private_path, public_path) = key_files(dir);
    for p in [&private_path, &public_path] {
        ensure!(!p.exists(), "{} exists: not overwriting a key (remove it or pick another directory)", p.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    eprintln!("keygen: generating an RSA-{bits} key (a few seconds)...");
    let (private, public) = generate_pem(bits)?;
    write_private(&private_path, &private)?;
    std::fs::write(&public_path, public).with_context(|| format!("writing {}", public_path.display()))?;
    eprintln!(
        "keygen: wrote {} (private: keep it secret) and {}\n  use it: cargo xtask run --ta-key {0}  (or build/test; sign-ta --key {0})",
        private_path.display(),
        public_path.display()
    );
    Ok(private_path)
}

fn write_private(path: &Path, pem: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let mut file = opts.open(path).with_context(|| format!("creating {}", path.display()))?;
    file.write_all(pem.as_bytes()).with_context(|| format!("writing {}", path.display()))
}

/// A key for tests: `dir/ta_key.pem`, generated (RSA-2048, the fastest)
/// the first time and reused after.
pub fn cached_test_key(dir: &Path) -> Result<PathBuf> {
    let (private, _) = key_files(dir);
    if private.is_file() && crate::sign::load_private_key(&private).is_ok() {
        return Ok(private);
    }
    let _ = std::fs::remove_dir_all(dir);
    keygen(dir, 2048)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::pkcs8::DecodePublicKey;
    use rsa::traits::PublicKeyParts;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-keys-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn keygen_writes_a_matching_pair_and_never_overwrites() {
        let dir = temp_dir("pair");
        let private_path = keygen(&dir, 2048).unwrap();
        let (_, public_path) = key_files(&dir);
        let private = crate::sign::load_private_key(&private_path).unwrap();
        let public = rsa::RsaPublicKey::from_public_key_pem(&std::fs::read_to_string(&public_path).unwrap()).unwrap();
        assert_eq!(private.to_public_key(), public);
        assert_eq!(public.size() * 8, 2048);
        // What the kernel build embeds is the same public key.
        let derived = crate::sign::public_key_pem(&private_path, &dir.join("derived.pub.pem")).unwrap();
        assert_eq!(std::fs::read(derived).unwrap(), std::fs::read(&public_path).unwrap());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&private_path).unwrap().permissions().mode() & 0o777, 0o600);
        }
        let before = std::fs::read(&private_path).unwrap();
        assert!(keygen(&dir, 2048).is_err());
        assert_eq!(std::fs::read(&private_path).unwrap(), before);
        // A TA signed with it verifies with the public half only.
        let signed = crate::sign::sign(b"image", &[7; 16], 0, &private, crate::sign::Algo::Pss).unwrap();
        assert!(crate::sign::verify(&signed, &public).is_ok());
        let dev = crate::sign::load_private_key(&dev_key(&crate::root())).unwrap();
        assert!(crate::sign::verify(&signed, &dev.to_public_key()).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn refuses_sizes_op_tee_does_not_take() {
        assert!(generate_pem(1024).is_err());
        assert!(generate_pem(8192).is_err());
    }

    #[test]
    fn the_override_is_put_back() {
        let old = set_ours_ta_key(Some(PathBuf::from("/k.pem")));
        assert_eq!(ours_ta_key(), Some(PathBuf::from("/k.pem")));
        set_ours_ta_key(old.clone());
        assert_eq!(ours_ta_key(), old);
    }
}
