//! The utee crypto service: GP transient objects and operation states of
//! one TA instance, with upstream OP-TEE's semantics and error codes
//! (`core/tee/tee_svc_cryp.c`, OP-TEE 4.x). [`CryptoState`] is pure (bytes
//! in, bytes out); [`syscall`] moves the bytes between it and the TA.
//!
//! Handles are small non-zero `u32`s private to the instance; objects and
//! states share one numbering, so a handle of the wrong kind is refused.
//! Everything is freed with the instance (the `CryptoState` is dropped),
//! and secret key bytes are wiped when an object is reset or dropped.

extern crate alloc;

use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use tee_abi::result;

mod authenc;
pub mod derive;
pub mod kdf;
pub mod asym;
pub mod ops;
pub mod syscall;

use ops::{Ae, AesCmac, Cipher, CipherError, Hash, HashKind, Mac};

/// `TEE_TYPE_*` (`tee_api_defines.h`).
pub const TYPE_AES: u32 = 0xA000_0010;
pub const TYPE_DES: u32 = 0xA000_0011;
pub const TYPE_DES3: u32 = 0xA000_0013;
pub const TYPE_HMAC_MD5: u32 = 0xA000_0001;
pub const TYPE_HMAC_SHA1: u32 = 0xA000_0002;
pub const TYPE_HMAC_SHA224: u32 = 0xA000_0003;
pub const TYPE_HMAC_SHA256: u32 = 0xA000_0004;
pub const TYPE_HMAC_SHA384: u32 = 0xA000_0005;
pub const TYPE_HMAC_SHA512: u32 = 0xA000_0006;
pub const TYPE_GENERIC_SECRET: u32 = 0xA000_0000;
pub const TYPE_DATA: u32 = 0xA000_00BF;

/// `TEE_ALG_*` handled here.
pub const ALG_AES_ECB_NOPAD: u32 = 0x1000_0010;
pub const ALG_AES_CBC_NOPAD: u32 = 0x1000_0110;
pub const ALG_AES_CTR: u32 = 0x1000_0210;
pub const ALG_SHA1: u32 = 0x5000_0002;
pub const ALG_SHA224: u32 = 0x5000_0003;
pub const ALG_SHA256: u32 = 0x5000_0004;
pub const ALG_SHA384: u32 = 0x5000_0005;
pub const ALG_SHA512: u32 = 0x5000_0006;
pub const ALG_HMAC_SHA1: u32 = 0x3000_0002;
pub const ALG_HMAC_SHA224: u32 = 0x3000_0003;
pub const ALG_HMAC_SHA256: u32 = 0x3000_0004;
pub const ALG_HMAC_SHA384: u32 = 0x3000_0005;
pub const ALG_HMAC_SHA512: u32 = 0x3000_0006;
pub const ALG_AES_CMAC: u32 = 0x3000_0610;
pub const ALG_AES_GCM: u32 = 0x4000_0810;
pub const ALG_AES_CTS: u32 = 0x1000_0310;
pub const ALG_AES_XTS: u32 = 0x1000_0410;
pub const ALG_AES_CCM: u32 = 0x4000_0710;

/// `TEE_ERROR_MAC_INVALID`.
pub use tee_abi::result::ERROR_MAC_INVALID;

/// `TEE_OPERATION_*` classes (`TEE_ALG_GET_CLASS`: bits 28..31).
const CLASS_CIPHER: u32 = 1;
const CLASS_MAC: u32 = 3;
const CLASS_AE: u32 = 4;
const CLASS_DIGEST: u32 = 5;

/// `TEE_MODE_*`.
pub const MODE_ENCRYPT: u32 = 0;
pub const MODE_DECRYPT: u32 = 1;
pub const MODE_MAC: u32 = 4;
pub const MODE_DIGEST: u32 = 5;

/// `TEE_ATTR_SECRET_VALUE`.
pub const ATTR_SECRET_VALUE: u32 = 0xC000_0000;
/// `TEE_ATTR_FLAG_PUBLIC`.
const ATTR_FLAG_PUBLIC: u32 = 1 << 28;
/// `TEE_USAGE_EXTRACTABLE`.
const USAGE_EXTRACTABLE: u32 = 0x1;
/// `TEE_USAGE_DEFAULT` (upstream `tee_obj.h`).
pub const USAGE_DEFAULT: u32 = 0xFFFF_FFFF;
/// `TEE_HANDLE_FLAG_INITIALIZED`.
pub const HANDLE_FLAG_INITIALIZED: u32 = 0x0002_0000;

/// Objects plus states one instance may hold (a bound on kernel heap use).
pub const MAX_HANDLES: usize = 256;

fn class(algo: u32) -> u32 {
    algo >> 28
}

fn main_alg(algo: u32) -> u32 {
    algo & 0xff
}

/// Upstream's `tee_cryp_obj_props[]` for the secret-value types:
/// (type, quanta, min bits, max bits, bytes reserved for the value).
const SECRET_TYPES: [(u32, u32, u32, u32, usize); 12] = [
    (TYPE_AES, 64, 128, 256, 32),
    (TYPE_DES, 64, 64, 64, 8),
    (TYPE_DES3, 64, 128, 192, 24),
    (TYPE_HMAC_MD5, 8, 64, 512, 64),
    (TYPE_HMAC_SHA1, 8, 80, 512, 64),
    (TYPE_HMAC_SHA224, 8, 112, 512, 64),
    (TYPE_HMAC_SHA256, 8, 192, 1024, 128),
    (TYPE_HMAC_SHA384, 8, 256, 1024, 128),
    (TYPE_HMAC_SHA512, 8, 256, 1024, 128),
    (TYPE_GENERIC_SECRET, 8, 0, 4096, 512),
    (derive::TYPE_HKDF_IKM, 8, 0, 4096, 512),
    (derive::TYPE_PBKDF2_PASSWORD, 8, 0, 4096, 512),
];

fn secret_props(obj_type: u32) -> Option<(u32, u32, u32, usize)> {
    SECRET_TYPES.iter().find(|t| t.0 == obj_type).map(|t| (t.1, t.2, t.3, t.4))
}

/// The attribute holding a secret-value type's value: the KDF input types
/// have their own IDs.
fn secret_attr(obj_type: u32) -> u32 {
    derive::secret_attr(obj_type).unwrap_or(ATTR_SECRET_VALUE)
}

/// `check_key_size`: a multiple of the quanta, within [min, max].
fn check_key_size(obj_type: u32, bits: u32) -> Result<usize, u32> {
    let (quanta, min, max, alloc) = secret_props(obj_type).ok_or(result::ERROR_NOT_SUPPORTED)?;
    if !bits.is_multiple_of(quanta) || bits < min || bits > max {
        return Err(result::ERROR_NOT_SUPPORTED);
    }
    Ok(alloc)
}

/// A transient object (`struct tee_obj` of a secret-value type).
pub struct Object {
    obj_type: u32,
    key_bits: u32,
    max_bits: u32,
    usage: u32,
    flags: u32,
    /// Bytes reserved for the value (upstream `alloc_size`).
    capacity: usize,
    secret: Vec<u8>,
    /// The attributes of an asymmetric key (asymmetric types only).
    asym: Option<alloc::boxed::Box<asym::AsymKey>>,
    /// Used as a key by an operation state (which owns it from then on).
    busy: bool,
}

impl Object {
    fn wipe(&mut self) {
        for b in self.secret.iter_mut() {
            // SAFETY: a valid, exclusive &mut u8; volatile so the wipe is kept.
            unsafe { core::ptr::write_volatile(b, 0) };
        }
        self.secret.clear();
        self.asym = None;
    }

    fn initialized(&self) -> bool {
        self.flags & HANDLE_FLAG_INITIALIZED != 0
    }

    /// `struct utee_object_info` (seven u32: type, size, max size, usage,
    /// data size, data position, handle flags).
    pub fn info(&self) -> [u8; 28] {
        let mut out = [0u8; 28];
        for (i, v) in [self.obj_type, self.key_bits, self.max_bits, self.usage, 0, 0, self.flags].iter().enumerate() {
            out[4 * i..4 * i + 4].copy_from_slice(&v.to_le_bytes());
        }
        out
    }
}

impl Drop for Object {
    fn drop(&mut self) {
        self.wipe();
    }
}

#[derive(Clone)]
enum Engine {
    Digest(Hash),
    Mac(HashKind, Option<Mac>),
    Cipher(Option<alloc::boxed::Box<Cipher>>),
    Cmac(Option<alloc::boxed::Box<AesCmac>>),
    /// AES-GCM or AES-CCM; `None` until AUTHENC_INIT and again after a
    /// final.
    Ae(Option<alloc::boxed::Box<Ae>>),
    /// Key derivation (`derive`): nothing to keep between calls.
    Derive,
    /// One-shot asymmetric encrypt/decrypt/sign/verify (`asym`).
    Asym,
}

/// An operation state (`struct tee_cryp_state`).
pub struct OpState {
    algo: u32,
    mode: u32,
    key1: u32,
    key2: u32,
    initialized: bool,
    engine: Engine,
}

/// One attribute passed to populate/generate: id and the bytes of a
/// reference attribute (value attributes carry `a` and `b` as 8 bytes).
pub struct Attr {
    pub id: u32,
    pub data: Vec<u8>,
}

/// One instance's transient objects and operation states.
#[derive(Default)]
pub struct CryptoState {
    objects: BTreeMap<u32, Object>,
    states: BTreeMap<u32, OpState>,
    last: u32,
}

impl CryptoState {
    /// An empty table.
    pub const fn new() -> CryptoState {
        CryptoState { objects: BTreeMap::new(), states: BTreeMap::new(), last: 0 }
    }

    /// Live handles (objects + states).
    pub fn len(&self) -> usize {
        self.objects.len() + self.states.len()
    }

    /// No live handle.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn new_handle(&mut self) -> Result<u32, u32> {
        if self.len() >= MAX_HANDLES {
            return Err(result::ERROR_OUT_OF_MEMORY);
        }
        loop {
            self.last = self.last.wrapping_add(1);
            let h = self.last;
            if h != 0 && !self.objects.contains_key(&h) && !self.states.contains_key(&h) {
                return Ok(h);
            }
        }
    }

    /// `tee_obj_get`: an unknown object is BAD_STATE (OP-TEE 4.5).
    fn obj(&self, h: u32) -> Result<&Object, u32> {
        self.objects.get(&h).ok_or(result::ERROR_BAD_STATE)
    }

    fn obj_mut(&mut self, h: u32) -> Result<&mut Object, u32> {
        self.objects.get_mut(&h).ok_or(result::ERROR_BAD_STATE)
    }

    /// `tee_svc_cryp_get_state`: an unknown state is BAD_PARAMETERS.
    fn state(&self, h: u32) -> Result<&OpState, u32> {
        self.states.get(&h).ok_or(result::ERROR_BAD_PARAMETERS)
    }

    fn state_mut(&mut self, h: u32) -> Result<&mut OpState, u32> {
        self.states.get_mut(&h).ok_or(result::ERROR_BAD_PARAMETERS)
    }

    // --- transient objects ---

    /// `CRYP_OBJ_ALLOC`.
    pub fn obj_alloc(&mut self, obj_type: u32, max_bits: u32) -> Result<u32, u32> {
        if asym::is_asym_type(obj_type) {
            return self.asym_obj_alloc(obj_type, max_bits);
        }
        let capacity = if obj_type == TYPE_DATA {
            if max_bits != 0 {
                return Err(result::ERROR_NOT_SUPPORTED);
            }
            0
        } else {
            check_key_size(obj_type, max_bits)?
        };
        let h = self.new_handle()?;
        let o = Object {
            obj_type,
            key_bits: 0,
            max_bits,
            usage: USAGE_DEFAULT,
            flags: 0,
            capacity,
            secret: Vec::new(),
            asym: None,
            busy: false,
        };
        self.objects.insert(h, o);
        Ok(h)
    }

    /// `CRYP_OBJ_GET_INFO`.
    pub fn obj_info(&self, h: u32) -> Result<[u8; 28], u32> {
        Ok(self.obj(h)?.info())
    }

    /// `CRYP_OBJ_RESTRICT_USAGE`.
    pub fn obj_restrict_usage(&mut self, h: u32, usage: u32) -> Result<(), u32> {
        self.obj_mut(h)?.usage &= usage;
        Ok(())
    }

    /// `CRYP_OBJ_GET_ATTR` for a buffer attribute: the value, if readable.
    pub fn obj_get_attr(&self, h: u32, attr_id: u32) -> Result<&[u8], u32> {
        let o = self.obj(h).map_err(|_| result::ERROR_ITEM_NOT_FOUND)?;
        if !o.initialized() {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        if attr_id & ATTR_FLAG_PUBLIC == 0 && o.usage & USAGE_EXTRACTABLE == 0 {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        if secret_props(o.obj_type).is_none() {
            return Err(result::ERROR_BAD_STATE);
        }
        if attr_id != secret_attr(o.obj_type) {
            return Err(result::ERROR_ITEM_NOT_FOUND);
        }
        Ok(&o.secret)
    }

    /// `CRYP_OBJ_CLOSE`: an object in use by a state is not the TA's to close.
    pub fn obj_close(&mut self, h: u32) -> Result<(), u32> {
        if self.obj(h)?.busy {
            return Err(result::ERROR_ITEM_NOT_FOUND);
        }
        self.objects.remove(&h);
        Ok(())
    }

    /// `CRYP_OBJ_RESET`: back to uninitialised, value wiped.
    pub fn obj_reset(&mut self, h: u32) -> Result<(), u32> {
        let o = self.obj_mut(h)?;
        o.wipe();
        o.key_bits = 0;
        o.usage = USAGE_DEFAULT;
        o.flags &= !HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    /// `CRYP_OBJ_POPULATE` after the attributes were copied in.
    pub fn obj_populate(&mut self, h: u32, attrs: &[Attr]) -> Result<(), u32> {
        let o = self.obj_mut(h)?;
        if o.initialized() {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        if asym::is_asym_type(o.obj_type) {
            return self.asym_populate(h, attrs);
        }
        if secret_props(o.obj_type).is_none() {
            return Err(result::ERROR_NOT_IMPLEMENTED);
        }
        // tee_svc_cryp_check_attr: exactly one TEE_ATTR_SECRET_VALUE.
        let mut found = false;
        for a in attrs {
            if a.id != secret_attr(o.obj_type) || found {
                return Err(result::ERROR_ITEM_NOT_FOUND);
            }
            found = true;
        }
        let Some(value) = attrs.first() else { return Err(result::ERROR_ITEM_NOT_FOUND) };
        if value.data.len() > o.capacity {
            return Err(result::ERROR_SECURITY);
        }
        let bits = value.data.len() as u64 * 8;
        if bits > u64::from(o.max_bits) {
            return Err(result::ERROR_BAD_STATE);
        }
        // OP-TEE 4.5 also holds the value to the type's sizes.
        if check_key_size(o.obj_type, bits as u32).is_err() {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        o.wipe();
        o.secret.extend_from_slice(&value.data);
        o.key_bits = bits as u32;
        o.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    /// `CRYP_OBJ_COPY`: the value of `src` into the uninitialised `dst`.
    pub fn obj_copy(&mut self, dst: u32, src: u32) -> Result<(), u32> {
        let d = self.obj(dst)?;
        let s = self.obj(src)?;
        if !s.initialized() || d.initialized() {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        if d.obj_type != TYPE_DATA && (asym::is_asym_type(d.obj_type) || asym::is_asym_type(s.obj_type)) {
            return self.asym_copy(dst, src);
        }
        let (secret, bits, usage) = if d.obj_type == TYPE_DATA {
            (Vec::new(), s.key_bits, s.usage)
        } else {
            if d.obj_type != s.obj_type {
                return Err(result::ERROR_BAD_PARAMETERS);
            }
            if s.secret.len() > d.capacity {
                return Err(result::ERROR_BAD_STATE);
            }
            (s.secret.clone(), s.key_bits, s.usage)
        };
        let d = self.obj_mut(dst)?;
        d.wipe();
        d.secret = secret;
        d.key_bits = bits;
        d.usage = usage;
        d.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    /// `CRYP_OBJ_GENERATE_KEY` for secret types: `key_bits` random bits.
    pub fn obj_generate_key(
        &mut self,
        h: u32,
        key_bits: u32,
        attrs: &[Attr],
        random: &mut dyn FnMut(&mut [u8]),
    ) -> Result<(), u32> {
        let o = self.obj_mut(h)?;
        if o.initialized() {
            return Err(result::ERROR_BAD_STATE);
        }
        if asym::is_asym_type(o.obj_type) {
            return self.asym_generate(h, key_bits, attrs);
        }
        check_key_size(o.obj_type, key_bits)?;
        // Secret types take no generation attributes.
        if !attrs.is_empty() {
            return Err(result::ERROR_ITEM_NOT_FOUND);
        }
        let bytes = (key_bits / 8) as usize;
        if bytes > o.capacity {
            return Err(result::ERROR_EXCESS_DATA);
        }
        o.wipe();
        o.secret.resize(bytes, 0);
        random(&mut o.secret);
        o.key_bits = key_bits;
        o.flags |= HANDLE_FLAG_INITIALIZED;
        Ok(())
    }

    // --- operation states ---

    /// `tee_svc_cryp_check_key_type`.
    fn check_key_type(&self, key: u32, algo: u32) -> Result<(), u32> {
        let o = self.obj(key)?;
        if o.busy {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        let wanted = match main_alg(algo) {
            _ if derive::key_type(algo).is_some() => derive::key_type(algo).unwrap_or_default(),
            0x01 => TYPE_HMAC_MD5,
            0x02 => TYPE_HMAC_SHA1,
            0x03 => TYPE_HMAC_SHA224,
            0x04 => TYPE_HMAC_SHA256,
            0x05 => TYPE_HMAC_SHA384,
            0x06 => TYPE_HMAC_SHA512,
            0x10 => TYPE_AES,
            0x11 => TYPE_DES,
            0x13 => TYPE_DES3,
            _ => return Err(result::ERROR_BAD_PARAMETERS),
        };
        if o.obj_type != wanted {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        Ok(())
    }

    /// `CRYP_STATE_ALLOC`: the key objects become the state's (busy, freed
    /// with it). Call [`CryptoState::state_abandon`] if the handle cannot be
    /// handed to the TA.
    pub fn state_alloc(&mut self, algo: u32, mode: u32, key1: u32, key2: u32) -> Result<u32, u32> {
        let algo = asym::translate_compat(algo);
        if asym::is_asym_algo(algo) {
            return self.asym_state_alloc(algo, mode, key1, key2);
        }
        if key1 != 0 {
            self.check_key_type(key1, algo)?;
        }
        if key2 != 0 {
            self.check_key_type(key2, algo)?;
        }
        let hash = HashKind::from_main(main_alg(algo));
        let engine = match class(algo) {
            CLASS_CIPHER => {
                // XTS takes two keys (data, tweak), the others one.
                if key1 == 0 || (key2 != 0) != (algo == ALG_AES_XTS) {
                    return Err(result::ERROR_BAD_PARAMETERS);
                }
                if !matches!(algo, ALG_AES_ECB_NOPAD | ALG_AES_CBC_NOPAD | ALG_AES_CTR | ALG_AES_CTS | ALG_AES_XTS) {
                    return Err(result::ERROR_NOT_IMPLEMENTED);
                }
                Engine::Cipher(None)
            }
            CLASS_MAC => {
                if key1 == 0 || key2 != 0 {
                    return Err(result::ERROR_BAD_PARAMETERS);
                }
                match (algo >> 8 & 0xff_ffff, hash) {
                    (0x30_0000, Some(kind)) => Engine::Mac(kind, None),
                    _ if algo == ALG_AES_CMAC => Engine::Cmac(None),
                    _ => return Err(result::ERROR_NOT_IMPLEMENTED),
                }
            }
            CLASS_DIGEST => {
                if key1 != 0 || key2 != 0 {
                    return Err(result::ERROR_BAD_PARAMETERS);
                }
                match (algo >> 8 & 0xff_ffff, hash) {
                    (0x50_0000, Some(kind)) => Engine::Digest(Hash::new(kind)),
                    _ => return Err(result::ERROR_NOT_IMPLEMENTED),
                }
            }
            CLASS_AE => {
                if key1 == 0 || key2 != 0 {
                    return Err(result::ERROR_BAD_PARAMETERS);
                }
                if algo != ALG_AES_GCM && algo != ALG_AES_CCM {
                    return Err(result::ERROR_NOT_IMPLEMENTED);
                }
                Engine::Ae(None)
            }
            derive::CLASS_KEY_DERIVATION => {
                if key1 == 0 || key2 != 0 {
                    return Err(result::ERROR_BAD_PARAMETERS);
                }
                Engine::Derive
            }
            _ => return Err(result::ERROR_NOT_SUPPORTED),
        };
        let h = self.new_handle()?;
        for k in [key1, key2] {
            if let Some(o) = self.objects.get_mut(&k) {
                o.busy = true;
            }
        }
        self.states.insert(h, OpState { algo, mode, key1, key2, initialized: false, engine });
        Ok(h)
    }

    /// Undoes a [`CryptoState::state_alloc`] whose handle never reached the
    /// TA: the keys are the TA's again.
    pub fn state_abandon(&mut self, h: u32) {
        if let Some(s) = self.states.remove(&h) {
            for k in [s.key1, s.key2] {
                if let Some(o) = self.objects.get_mut(&k) {
                    o.busy = false;
                }
            }
        }
    }

    /// `CRYP_STATE_COPY`: same algorithm and mode; context and stage copied.
    pub fn state_copy(&mut self, dst: u32, src: u32) -> Result<(), u32> {
        self.state(dst)?;
        let s = self.state(src)?;
        let d = self.state(dst)?;
        if d.algo != s.algo || d.mode != s.mode {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        let (engine, initialized) = (s.engine.clone(), s.initialized);
        let d = self.state_mut(dst)?;
        d.engine = engine;
        d.initialized = initialized;
        Ok(())
    }

    /// `CRYP_STATE_FREE`: the state and its key objects.
    pub fn state_free(&mut self, h: u32) -> Result<(), u32> {
        let s = self.states.remove(&h).ok_or(result::ERROR_BAD_PARAMETERS)?;
        self.objects.remove(&s.key1);
        self.objects.remove(&s.key2);
        Ok(())
    }

    /// The initialised key object of a state.
    fn key_of(&self, key: u32) -> Result<&[u8], u32> {
        let o = self.obj(key)?;
        if !o.initialized() {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        Ok(&o.secret)
    }

    /// `HASH_INIT`: (re)starts a digest or MAC.
    pub fn hash_init(&mut self, h: u32) -> Result<(), u32> {
        let s = self.state(h)?;
        let engine = match &s.engine {
            Engine::Digest(d) => {
                let mut d = d.clone();
                d.finalize_reset();
                Engine::Digest(d)
            }
            Engine::Mac(kind, _) => Engine::Mac(*kind, Some(Mac::new(*kind, self.key_of(s.key1)?))),
            Engine::Cmac(_) => Engine::Cmac(Some(alloc::boxed::Box::new(
                AesCmac::new(self.key_of(s.key1)?).ok_or(result::ERROR_BAD_PARAMETERS)?,
            ))),
            Engine::Cipher(_) | Engine::Ae(_) | Engine::Derive | Engine::Asym => return Err(result::ERROR_BAD_PARAMETERS),
        };
        let s = self.state_mut(h)?;
        s.engine = engine;
        s.initialized = true;
        Ok(())
    }

    /// `HASH_UPDATE` (after the chunk was copied in).
    pub fn hash_update(&mut self, h: u32, chunk: &[u8]) -> Result<(), u32> {
        let s = self.state_mut(h)?;
        if !s.initialized {
            return Err(result::ERROR_BAD_STATE);
        }
        match &mut s.engine {
            Engine::Digest(d) => d.update(chunk),
            Engine::Mac(_, Some(m)) => m.update(chunk),
            Engine::Cmac(Some(m)) => m.update(chunk),
            _ => return Err(result::ERROR_BAD_PARAMETERS),
        }
        Ok(())
    }

    /// The output size `HASH_FINAL` will produce, after its state checks.
    pub fn hash_final_size(&self, h: u32) -> Result<usize, u32> {
        let s = self.state(h)?;
        if !s.initialized {
            return Err(result::ERROR_BAD_STATE);
        }
        match &s.engine {
            Engine::Digest(_) | Engine::Mac(..) => {
                HashKind::from_main(main_alg(s.algo)).map(HashKind::size).ok_or(result::ERROR_BAD_PARAMETERS)
            }
            Engine::Cmac(_) => Ok(16),
            Engine::Cipher(_) | Engine::Ae(_) | Engine::Derive | Engine::Asym => Err(result::ERROR_BAD_PARAMETERS),
        }
    }

    /// `HASH_FINAL`: the last chunk, then the digest or MAC (the context
    /// starts over, as after an init).
    pub fn hash_final(&mut self, h: u32, chunk: &[u8]) -> Result<Vec<u8>, u32> {
        self.hash_final_size(h)?;
        let s = self.state_mut(h)?;
        match &mut s.engine {
            Engine::Digest(d) => {
                d.update(chunk);
                Ok(d.finalize_reset())
            }
            Engine::Mac(_, Some(m)) => {
                m.update(chunk);
                Ok(m.finalize_reset())
            }
            Engine::Cmac(Some(m)) => {
                m.update(chunk);
                Ok(m.finalize_reset())
            }
            _ => Err(result::ERROR_BAD_PARAMETERS),
        }
    }

    /// `CIPHER_INIT` (after the IV was copied in).
    pub fn cipher_init(&mut self, h: u32, iv: &[u8]) -> Result<(), u32> {
        let s = self.state(h)?;
        if class(s.algo) != CLASS_CIPHER {
            return Err(result::ERROR_BAD_STATE);
        }
        let key = self.key_of(s.key1)?;
        // XTS's tweak key (upstream: only when the state has a second key).
        let key2 = if s.key2 != 0 { self.key_of(s.key2)? } else { &[] };
        // crypto_cipher_init
        let encrypt = match s.mode {
            MODE_ENCRYPT => true,
            MODE_DECRYPT => false,
            _ => return Err(result::ERROR_BAD_PARAMETERS),
        };
        let c = Cipher::new(s.algo, encrypt, key, key2, iv).map_err(cipher_code)?;
        let s = self.state_mut(h)?;
        s.engine = Engine::Cipher(Some(alloc::boxed::Box::new(c)));
        s.initialized = true;
        Ok(())
    }

    /// The checks `CIPHER_INIT` makes before it reads the IV: a state, of
    /// the cipher class, with an initialised key.
    pub fn cipher_init_ready(&self, h: u32) -> Result<(), u32> {
        let s = self.state(h)?;
        if class(s.algo) != CLASS_CIPHER {
            return Err(result::ERROR_BAD_STATE);
        }
        self.key_of(s.key1).map(|_| ())
    }

    /// The state checks `CIPHER_UPDATE`/`_FINAL` make before anything else.
    pub fn cipher_ready(&self, h: u32) -> Result<(), u32> {
        if !self.state(h)?.initialized {
            return Err(result::ERROR_BAD_STATE);
        }
        Ok(())
    }

    /// `tee_do_cipher_update`: `data` in place. ECB and CBC take whole
    /// blocks only; CTR any length; XTS and CTS a partial block in the
    /// final (see [`Cipher::update`]).
    pub fn cipher_update(&mut self, h: u32, last: bool, data: &mut [u8]) -> Result<(), u32> {
        self.cipher_ready(h)?;
        let s = self.state_mut(h)?;
        if s.mode != MODE_ENCRYPT && s.mode != MODE_DECRYPT {
            return Err(result::ERROR_BAD_PARAMETERS);
        }
        let Engine::Cipher(Some(c)) = &mut s.engine else { return Err(result::ERROR_BAD_PARAMETERS) };
        c.update(data, last).map_err(cipher_code)
    }
}

fn cipher_code(e: CipherError) -> u32 {
    match e {
        CipherError::Algorithm => result::ERROR_NOT_IMPLEMENTED,
        CipherError::Parameters => result::ERROR_BAD_PARAMETERS,
        CipherError::State => result::ERROR_BAD_STATE,
    }
}

#[cfg(test)]
mod tests {
    use super::ops::tests::{KEY128, PLAIN, hex, sp800_38a};
    use super::*;

    fn secret(data: &[u8]) -> [Attr; 1] {
        [Attr { id: ATTR_SECRET_VALUE, data: data.to_vec() }]
    }

    fn key(st: &mut CryptoState, ty: u32, max: u32, k: &[u8]) -> u32 {
        let o = st.obj_alloc(ty, max).unwrap();
        st.obj_populate(o, &secret(k)).unwrap();
        o
    }

    #[test]
    fn object_life_cycle() {
        let mut st = CryptoState::new();
        assert_eq!(st.obj_alloc(TYPE_AES, 100), Err(result::ERROR_NOT_SUPPORTED));
        assert_eq!(st.obj_alloc(TYPE_AES, 512), Err(result::ERROR_NOT_SUPPORTED));
        assert_eq!(st.obj_alloc(0x1234, 128), Err(result::ERROR_NOT_SUPPORTED));
        let o = st.obj_alloc(TYPE_AES, 256).unwrap();
        let info = st.obj_info(o).unwrap();
        assert_eq!(&info[..4], &TYPE_AES.to_le_bytes());
        assert_eq!(&info[8..12], &256u32.to_le_bytes());
        assert_eq!(&info[24..], &[0; 4]);
        assert_eq!(st.obj_populate(o, &[]), Err(result::ERROR_ITEM_NOT_FOUND));
        assert_eq!(st.obj_populate(o, &[Attr { id: 0xD000_0001, data: alloc::vec![0; 16] }]), Err(result::ERROR_ITEM_NOT_FOUND));
        assert_eq!(st.obj_populate(o, &secret(&[0; 33])), Err(result::ERROR_SECURITY));
        st.obj_populate(o, &secret(&[7; 16])).unwrap();
        assert_eq!(st.obj_populate(o, &secret(&[7; 16])), Err(result::ERROR_BAD_PARAMETERS), "already initialised");
        let info = st.obj_info(o).unwrap();
        assert_eq!(&info[4..8], &128u32.to_le_bytes());
        assert_eq!(&info[12..16], &USAGE_DEFAULT.to_le_bytes());
        assert_eq!(&info[24..], &HANDLE_FLAG_INITIALIZED.to_le_bytes());
        assert_eq!(st.obj_get_attr(o, ATTR_SECRET_VALUE).unwrap(), &[7; 16]);
        st.obj_restrict_usage(o, !USAGE_EXTRACTABLE).unwrap();
        assert_eq!(st.obj_get_attr(o, ATTR_SECRET_VALUE), Err(result::ERROR_BAD_PARAMETERS));
        st.obj_reset(o).unwrap();
        assert_eq!(&st.obj_info(o).unwrap()[24..], &[0; 4]);
        assert_eq!(st.obj_get_attr(o, ATTR_SECRET_VALUE), Err(result::ERROR_BAD_PARAMETERS));
        // max 128 bits but a 192-bit value: BAD_STATE.
        let small = st.obj_alloc(TYPE_AES, 128).unwrap();
        assert_eq!(st.obj_populate(small, &secret(&[0; 24])), Err(result::ERROR_BAD_STATE));
        // Within the maximum but not an AES size: BAD_PARAMETERS.
        assert_eq!(st.obj_populate(small, &secret(&[0; 8])), Err(result::ERROR_BAD_PARAMETERS));
        let h = st.obj_alloc(TYPE_HMAC_SHA256, 1024).unwrap();
        assert_eq!(st.obj_populate(h, &secret(&[0; 20])), Err(result::ERROR_BAD_PARAMETERS), "below 192 bits");
        st.obj_close(h).unwrap();
        // Copy and generate.
        let g = st.obj_alloc(TYPE_GENERIC_SECRET, 256).unwrap();
        st.obj_generate_key(g, 256, &[], &mut |b| b.fill(0x5a)).unwrap();
        assert_eq!(st.obj_get_attr(g, ATTR_SECRET_VALUE).unwrap(), &[0x5a; 32]);
        assert_eq!(st.obj_generate_key(g, 256, &[], &mut |_| {}), Err(result::ERROR_BAD_STATE));
        let g2 = st.obj_alloc(TYPE_GENERIC_SECRET, 512).unwrap();
        st.obj_copy(g2, g).unwrap();
        assert_eq!(st.obj_get_attr(g2, ATTR_SECRET_VALUE).unwrap(), &[0x5a; 32]);
        assert_eq!(st.obj_copy(o, g), Err(result::ERROR_BAD_PARAMETERS), "different types");
        for h in [o, small, g, g2] {
            st.obj_close(h).unwrap();
        }
        assert_eq!(st.obj_close(o), Err(result::ERROR_BAD_STATE));
        assert!(st.is_empty());
    }

    #[test]
    fn state_keys_are_busy_and_freed_with_the_state() {
        let mut st = CryptoState::new();
        let k = key(&mut st, TYPE_HMAC_SHA256, 1024, &[0xaa; 24]);
        let wrong = key(&mut st, TYPE_HMAC_SHA1, 512, &[0xaa; 24]);
        assert_eq!(st.state_alloc(ALG_HMAC_SHA256, MODE_MAC, wrong, 0), Err(result::ERROR_BAD_PARAMETERS));
        assert_eq!(st.state_alloc(ALG_HMAC_SHA256, MODE_MAC, 0, 0), Err(result::ERROR_BAD_PARAMETERS));
        assert_eq!(st.state_alloc(ALG_SHA256, MODE_DIGEST, k, 0), Err(result::ERROR_BAD_PARAMETERS));
        let s = st.state_alloc(ALG_HMAC_SHA256, MODE_MAC, k, 0).unwrap();
        assert_eq!(st.obj_close(k), Err(result::ERROR_ITEM_NOT_FOUND), "busy");
        assert_eq!(st.state_alloc(ALG_HMAC_SHA256, MODE_MAC, k, 0), Err(result::ERROR_BAD_PARAMETERS), "busy");
        assert_eq!(st.hash_update(s, b"x"), Err(result::ERROR_BAD_STATE), "not initialised");
        st.hash_init(s).unwrap();
        st.hash_update(s, b"what do ya want ").unwrap();
        assert_eq!(st.hash_final_size(s), Ok(32));
        let mac = st.hash_final(s, b"for nothing?").unwrap();
        let mut direct = Mac::new(HashKind::Sha256, &[0xaa; 24]);
        direct.update(b"what do ya want for nothing?");
        assert_eq!(mac, direct.finalize_reset());
        st.state_free(s).unwrap();
        assert_eq!(st.obj_info(k), Err(result::ERROR_BAD_STATE), "freed with the state");
        st.obj_close(wrong).unwrap();
        assert!(st.is_empty());
        // Abandoning gives the key back.
        let k = key(&mut st, TYPE_AES, 256, &[0; 16]);
        let s = st.state_alloc(ALG_AES_CBC_NOPAD, MODE_ENCRYPT, k, 0).unwrap();
        st.state_abandon(s);
        st.obj_close(k).unwrap();
    }

    #[test]
    fn digest_copy_and_errors() {
        let mut st = CryptoState::new();
        assert_eq!(st.state_alloc(0x5000_0001, MODE_DIGEST, 0, 0), Err(result::ERROR_NOT_IMPLEMENTED), "MD5");
        let a = st.state_alloc(ALG_SHA256, MODE_DIGEST, 0, 0).unwrap();
        let b = st.state_alloc(ALG_SHA256, MODE_DIGEST, 0, 0).unwrap();
        let c = st.state_alloc(ALG_SHA1, MODE_DIGEST, 0, 0).unwrap();
        assert_eq!(st.hash_final_size(a), Err(result::ERROR_BAD_STATE));
        assert_eq!(st.cipher_init(a, &[]), Err(result::ERROR_BAD_STATE));
        st.hash_init(a).unwrap();
        st.hash_update(a, b"ab").unwrap();
        st.state_copy(b, a).unwrap();
        assert_eq!(st.state_copy(c, a), Err(result::ERROR_BAD_PARAMETERS));
        let want = hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        assert_eq!(st.hash_final(a, b"c").unwrap(), want);
        assert_eq!(st.hash_final(b, b"c").unwrap(), want);
        // After a final the digest starts over.
        assert_eq!(st.hash_final(a, b"abc").unwrap(), want);
        for h in [a, b, c] {
            st.state_free(h).unwrap();
        }
        assert_eq!(st.state_free(a), Err(result::ERROR_BAD_PARAMETERS));
        assert!(st.is_empty());
    }

    #[test]
    fn ciphers_through_states() {
        for (algo, k, iv, want) in sp800_38a() {
            let mut st = CryptoState::new();
            let kh = key(&mut st, TYPE_AES, 256, &hex(k));
            let s = st.state_alloc(algo, MODE_ENCRYPT, kh, 0).unwrap();
            let mut buf = hex(PLAIN);
            assert_eq!(st.cipher_update(s, false, &mut buf), Err(result::ERROR_BAD_STATE));
            st.cipher_init(s, &hex(iv)).unwrap();
            let (a, b) = buf.split_at_mut(32);
            st.cipher_update(s, false, a).unwrap();
            st.cipher_update(s, true, b).unwrap();
            assert_eq!(buf, hex(want));
            st.state_free(s).unwrap();
            assert!(st.is_empty());
        }
        let mut st = CryptoState::new();
        let kh = key(&mut st, TYPE_AES, 256, &hex(KEY128));
        let s = st.state_alloc(ALG_AES_ECB_NOPAD, MODE_DECRYPT, kh, 0).unwrap();
        st.cipher_init(s, &[]).unwrap();
        assert_eq!(st.cipher_update(s, false, &mut [0; 15]), Err(result::ERROR_BAD_PARAMETERS));
        assert_eq!(st.cipher_update(s, true, &mut [0; 17]), Err(result::ERROR_BAD_PARAMETERS));
        let kh2 = key(&mut st, TYPE_AES, 256, &hex(KEY128));
        let s2 = st.state_alloc(ALG_AES_CBC_NOPAD, MODE_ENCRYPT, kh2, 0).unwrap();
        assert_eq!(st.cipher_init(s2, &[0; 8]), Err(result::ERROR_BAD_PARAMETERS));
        assert_eq!(st.hash_init(s2), Err(result::ERROR_BAD_PARAMETERS));
        let k3 = key(&mut st, TYPE_AES, 256, &hex(KEY128));
        assert_eq!(st.state_alloc(0x1000_0510, MODE_ENCRYPT, k3, 0), Err(result::ERROR_NOT_IMPLEMENTED), "no such chaining mode");
    }

    #[test]
    fn cmac_and_gcm_through_states() {
        use super::ops::tests::{gcm_cases, rfc4493};
        let mut st = CryptoState::new();
        let plain = hex(PLAIN);
        for (len, want) in rfc4493() {
            let k = key(&mut st, TYPE_AES, 256, &hex(KEY128));
            let s = st.state_alloc(ALG_AES_CMAC, MODE_MAC, k, 0).unwrap();
            st.hash_init(s).unwrap();
            st.hash_update(s, &plain[..len / 2]).unwrap();
            assert_eq!(st.hash_final_size(s), Ok(16));
            assert_eq!(st.hash_final(s, &plain[len / 2..len]).unwrap(), hex(want));
            st.state_free(s).unwrap();
        }
        let hk = key(&mut st, TYPE_HMAC_SHA256, 1024, &[0; 24]);
        assert_eq!(st.state_alloc(ALG_AES_CMAC, MODE_MAC, hk, 0), Err(result::ERROR_BAD_PARAMETERS));
        st.obj_close(hk).unwrap();
        for (k, iv, p, a, c, t) in gcm_cases() {
            let kh = key(&mut st, TYPE_AES, 256, &hex(k));
            let s = st.state_alloc(ALG_AES_GCM, MODE_ENCRYPT, kh, 0).unwrap();
            assert_eq!(st.authenc_update_aad(s, &hex(a)), Err(result::ERROR_BAD_STATE));
            st.authenc_init(s, &hex(iv), 16, 0, 0).unwrap();
            st.authenc_update_aad(s, &hex(a)).unwrap();
            let mut buf = hex(p);
            let (x, y) = buf.split_at_mut(16);
            st.authenc_update_payload(s, x).unwrap();
            assert_eq!(st.authenc_dec_final(s, y, &hex(t)), Err(result::ERROR_BAD_PARAMETERS), "wrong mode");
            assert_eq!(st.authenc_enc_final(s, y).unwrap(), hex(t));
            assert_eq!(buf, hex(c));
            assert_eq!(st.authenc_update_payload(s, &mut [0; 4]), Err(result::ERROR_BAD_STATE), "after final");
            st.state_free(s).unwrap();
            let kh = key(&mut st, TYPE_AES, 256, &hex(k));
            let s = st.state_alloc(ALG_AES_GCM, MODE_DECRYPT, kh, 0).unwrap();
            st.authenc_init(s, &hex(iv), 16, 0, 0).unwrap();
            st.authenc_update_aad(s, &hex(a)).unwrap();
            let mut buf = hex(c);
            st.authenc_dec_final(s, &mut buf, &hex(t)).unwrap();
            assert_eq!(buf, hex(p));
            st.authenc_init(s, &hex(iv), 16, 0, 0).unwrap();
            st.authenc_update_aad(s, &hex(a)).unwrap();
            let mut bad = hex(t);
            bad[15] ^= 0x80;
            assert_eq!(st.authenc_dec_final(s, &mut hex(c), &bad), Err(ERROR_MAC_INVALID));
            st.state_free(s).unwrap();
        }
        assert!(st.is_empty());
    }

    #[test]
    fn handle_table_is_bounded() {
        let mut st = CryptoState::new();
        for _ in 0..MAX_HANDLES {
            st.state_alloc(ALG_SHA1, MODE_DIGEST, 0, 0).unwrap();
        }
        assert_eq!(st.obj_alloc(TYPE_AES, 128), Err(result::ERROR_OUT_OF_MEMORY));
    }
}
