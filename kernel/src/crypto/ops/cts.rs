//! AES-CTS as upstream OP-TEE 4.5 does it (`core/crypto/aes-cts.c`): the
//! GP spec's CTS is CBC-CS3 (NIST SP 800-38A addendum), the Kerberos
//! variant of RFC 3962, which swaps the last two blocks even when the last
//! one is full. Updates before the final are plain CBC on whole blocks; the
//! final steals, so it needs more than one block. By hand over the CBC
//! chain (the `cts` crate works on whole messages only).

use super::block::Aes;
use super::cipher::cbc;

/// The final update: `data` (more than 16 bytes) in place, chaining from
/// `prev`. `None` for 16 bytes or fewer.
pub(super) fn last(aes: &Aes, encrypt: bool, prev: &mut [u8; 16], data: &mut [u8]) -> Option<()> {
    if data.len() <= 16 {
        return None;
    }
    let blocks = data.len().div_ceil(16);
    // Bytes in the last block (1..=16) and where the last two start.
    let tail = data.len() - 16 * (blocks - 1);
    let (pen, fin) = (16 * (blocks - 2), 16 * (blocks - 1));
    if encrypt {
        // CBC up to and including the next-to-last block, then the padded
        // last block chained on it; the two come out swapped and the
        // (now last) next-to-last ciphertext block truncated.
        let mut padded = [0u8; 16];
        padded[..tail].copy_from_slice(&data[fin..]);
        cbc(aes, true, prev, &mut data[..fin]);
        let mut pen_ct = [0u8; 16];
        pen_ct.copy_from_slice(&data[pen..fin]);
        cbc(aes, true, prev, &mut padded);
        data[pen..fin].copy_from_slice(&padded);
        data[fin..].copy_from_slice(&pen_ct[..tail]);
    } else {
        let mut pen_ct = [0u8; 16];
        pen_ct.copy_from_slice(&data[pen..fin]);
        // D(K, C[n-1]) is the last plaintext block XOR the padded C[n]
        // with its tail bytes: rebuild the full last ciphertext block.
        let mut dn = pen_ct;
        aes.decrypt(&mut dn);
        let mut last_ct = dn;
        last_ct[..tail].copy_from_slice(&data[fin..]);
        cbc(aes, false, prev, &mut data[..pen]);
        let mut block = last_ct;
        cbc(aes, false, prev, &mut block);
        let mut last_pt = pen_ct;
        cbc(aes, false, prev, &mut last_pt);
        data[pen..fin].copy_from_slice(&block);
        data[fin..].copy_from_slice(&last_pt[..tail]);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use crate::crypto::ALG_AES_CTS;
    use crate::crypto::ops::Cipher;
    use crate::crypto::ops::tests::hex;

    /// RFC 3962 appendix B (AES-128 CTS, the CBC-CS3 variant: last two
    /// blocks always swapped): key "chicken teriyaki", IV zero, prefixes
    /// of one plaintext: (length, ciphertext).
    pub(crate) const RFC3962_KEY: &str = "636869636b656e207465726979616b69";
    pub(crate) const RFC3962_PLAIN: &str = "4920776f756c64206c696b652074686520
        47656e6572616c20476175277320436869636b656e2c20706c656173652c20616e6420776f6e746f6e20736f75702e";
    pub(crate) fn rfc3962() -> [(usize, &'static str); 6] {
        [
            (17, "c6353568f2bf8cb4d8a580362da7ff7f97"),
            (31, "fc00783e0efdb2c1d445d4c8eff7ed2297687268d6ecccc0c07b25e25ecfe5"),
            (32, "39312523a78662d5be7fcbcc98ebf5a897687268d6ecccc0c07b25e25ecfe584"),
            (47, "97687268d6ecccc0c07b25e25ecfe584b3fffd940c16a18c1b5549d2f838029e39312523a78662d5be7fcbcc98ebf5"),
            (48, "97687268d6ecccc0c07b25e25ecfe5849dad8bbb96c4cdc03bc103e1a194bbd839312523a78662d5be7fcbcc98ebf5a8"),
            (
                64,
                "97687268d6ecccc0c07b25e25ecfe58439312523a78662d5be7fcbcc98ebf5a84807efe836ee89a526730dbc2f7bc8409dad8bbb96c4cdc03bc103e1a194bbd8",
            ),
        ]
    }

    #[test]
    fn cts_rfc3962() {
        let (key, plain) = (hex(RFC3962_KEY), hex(RFC3962_PLAIN));
        for (len, want) in rfc3962() {
            let mut c = Cipher::new(ALG_AES_CTS, true, &key, &[], &[0; 16]).unwrap();
            let mut buf = plain[..len].to_vec();
            // Whole blocks through updates while more than two remain.
            let head = (len.div_ceil(16) - 2) * 16;
            let (a, b) = buf.split_at_mut(head);
            c.update(a, false).unwrap();
            c.update(b, true).unwrap();
            assert_eq!(buf, hex(want), "encrypt {len} bytes");
            let mut d = Cipher::new(ALG_AES_CTS, false, &key, &[], &[0; 16]).unwrap();
            let (a, b) = buf.split_at_mut(head);
            d.update(a, false).unwrap();
            d.update(b, true).unwrap();
            assert_eq!(buf, plain[..len], "decrypt {len} bytes");
        }
    }
}
