//! The guest's initramfs: a gzip-compressed `newc` cpio archive written from scratch,
//! deterministically (sorted entries, mtime 0, uid/gid 0, sequential inode numbers).
//!
//! Layout (merged /usr, like trixie): `/bin`, `/sbin`, `/lib` are links into `/usr`;
//! glibc, libteec, libckteec, OpenSSL and friends in `/usr/lib/aarch64-linux-gnu`;
//! busybox with its applet links in `/usr/bin`; tee-supplicant, xtest, the xtest TAs in
//! `/usr/lib/optee_armtz` (also `/lib/optee_armtz`, tee-supplicant's default TA path);
//! `tee.ko`, `optee.ko` and `virtio_blk.ko` in `/lib/modules/<release>/`; `/init` from `qemu/init`.

use std::collections::BTreeMap;
use std::fs;
use std::io::{self, BufWriter, Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use flate2::Compression;
use flate2::write::GzEncoder;

use crate::guest::GuestFiles;

const S_IFDIR: u32 = 0o040_000;
const S_IFREG: u32 = 0o100_000;
const S_IFLNK: u32 = 0o120_000;
const S_IFCHR: u32 = 0o020_000;

// ---------------------------------------------------------------------------------------
// newc writer

/// Writes a `newc` ("070701") cpio stream: every header is 110 ASCII bytes (magic and
/// 13 eight-digit hex fields), the NUL-terminated name padded so that header + name is
/// a multiple of 4, then the data padded to a multiple of 4.
pub struct CpioWriter<W: Write> {
    out: W,
    next_ino: u32,
    offset: u64,
}

impl<W: Write> CpioWriter<W> {
    pub fn new(out: W) -> Self {
        CpioWriter { out, next_ino: 1, offset: 0 }
    }

    fn write(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.out.write_all(bytes)?;
        self.offset += bytes.len() as u64;
        Ok(())
    }

    fn pad4(&mut self) -> io::Result<()> {
        let pad = (4 - (self.offset % 4) as usize) % 4;
        self.write(&[0u8; 3][..pad])
    }

    fn header(&mut self, name: &str, mode: u32, nlink: u32, size: u64, rdev: (u32, u32)) -> Result<()> {
        let size = u32::try_from(size).map_err(|_| anyhow!("{name}: too large for cpio"))?;
        if name.is_empty() || name.contains('\0') {
            bail!("bad cpio entry name {name:?}");
        }
        let ino = if name == "TRAILER!!!" { 0 } else { self.next_ino };
        self.next_ino += 1;
        let namesize = name.len() as u32 + 1;
        let fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, rdev.0, rdev.1, namesize, 0];
        let mut header = String::with_capacity(110);
        header.push_str("070701");
        for f in fields {
            header.push_str(&format!("{f:08X}"));
        }
        self.write(header.as_bytes())?;
        self.write(name.as_bytes())?;
        self.write(&[0])?;
        self.pad4()?;
        Ok(())
    }

    pub fn dir(&mut self, name: &str, perm: u32) -> Result<()> {
        self.header(name, S_IFDIR | (perm & 0o7777), 2, 0, (0, 0))
    }

    pub fn file(&mut self, name: &str, perm: u32, data: &[u8]) -> Result<()> {
        self.header(name, S_IFREG | (perm & 0o7777), 1, data.len() as u64, (0, 0))?;
        self.write(data)?;
        self.pad4()?;
        Ok(())
    }

    /// A regular file whose `size` bytes come from `data`.
    pub fn file_from(&mut self, name: &str, perm: u32, size: u64, data: &mut dyn Read) -> Result<()> {
        self.header(name, S_IFREG | (perm & 0o7777), 1, size, (0, 0))?;
        let copied = io::copy(&mut data.take(size), &mut self.out)?;
        if copied != size {
            bail!("{name}: file shrank while archiving ({copied} of {size} bytes)");
        }
        self.offset += copied;
        self.pad4()?;
        Ok(())
    }

    pub fn symlink(&mut self, name: &str, target: &str) -> Result<()> {
        self.header(name, S_IFLNK | 0o777, 1, target.len() as u64, (0, 0))?;
        self.write(target.as_bytes())?;
        self.pad4()?;
        Ok(())
    }

    pub fn char_dev(&mut self, name: &str, perm: u32, major: u32, minor: u32) -> Result<()> {
        self.header(name, S_IFCHR | (perm & 0o7777), 1, 0, (major, minor))
    }

    /// Writes the `TRAILER!!!` entry and returns the underlying writer.
    pub fn finish(mut self) -> Result<W> {
        self.header("TRAILER!!!", 0, 1, 0, (0, 0))?;
        Ok(self.out)
    }
}

// ---------------------------------------------------------------------------------------
// The image's tree

#[derive(Debug, Clone)]
enum Node {
    Dir { perm: u32 },
    File { perm: u32, src: PathBuf },
    Bytes { perm: u32, data: Vec<u8> },
    Symlink { target: String },
    CharDev { perm: u32, major: u32, minor: u32 },
}

/// Entries by normalized path (no leading '/'); BTreeMap order puts every directory
/// before its contents.
#[derive(Default)]
struct Tree {
    nodes: BTreeMap<String, Node>,
}

/// Normalizes an image path: no leading '/', no empty or '.' components, no '..', and
/// `bin/`, `sbin/`, `lib/` resolved to their merged-/usr locations.
fn image_path(path: &str) -> Result<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => bail!("'..' in image path {path:?}"),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        bail!("empty image path {path:?}");
    }
    if parts.len() > 1 && matches!(parts[0], "bin" | "sbin" | "lib") {
        parts.insert(0, "usr");
    }
    Ok(parts.join("/"))
}

impl Tree {
    fn add(&mut self, path: &str, node: Node) -> Result<()> {
        let path = image_path(path)?;
        let mut parent = path.as_str();
        while let Some((p, _)) = parent.rsplit_once('/') {
            parent = p;
            match self.nodes.get(p) {
                Some(Node::Dir { .. }) => {}
                None => {
                    self.nodes.insert(p.to_owned(), Node::Dir { perm: 0o755 });
                }
                Some(_) => bail!("{path}: parent {p} is not a directory in the image"),
            }
        }
        self.nodes.insert(path, node);
        Ok(())
    }

    fn dir(&mut self, path: &str, perm: u32) -> Result<()> {
        self.add(path, Node::Dir { perm })
    }

    fn bytes(&mut self, path: &str, perm: u32, data: impl Into<Vec<u8>>) -> Result<()> {
        self.add(path, Node::Bytes { perm, data: data.into() })
    }

    fn symlink(&mut self, path: &str, target: &str) -> Result<()> {
        // Top-level links must not be rewritten into usr/ by image_path.
        if !path.trim_matches('/').contains('/') {
            self.nodes.insert(path.trim_matches('/').to_owned(), Node::Symlink { target: target.to_owned() });
            return Ok(());
        }
        self.add(path, Node::Symlink { target: target.to_owned() })
    }

    /// Adds a host file, directory (recursively) or symlink at `path`, keeping its
    /// permission bits (symlinks stay symlinks).
    fn host(&mut self, path: &str, src: &Path) -> Result<()> {
        let meta = fs::symlink_metadata(src).with_context(|| format!("reading {}", src.display()))?;
        let perm = meta.permissions().mode() & 0o7777;
        let ft = meta.file_type();
        if ft.is_symlink() {
            let target = fs::read_link(src)?;
            let target = target.to_str().ok_or_else(|| anyhow!("non-UTF-8 link target in {}", src.display()))?;
            self.symlink(path, target)
        } else if ft.is_file() {
            self.add(path, Node::File { perm, src: src.to_path_buf() })
        } else if ft.is_dir() {
            self.dir(path, perm)?;
            let mut entries: Vec<_> = fs::read_dir(src)?.flatten().collect();
            entries.sort_by_key(|e| e.file_name());
            for e in entries {
                let name = e.file_name();
                let name = name.to_str().ok_or_else(|| anyhow!("non-UTF-8 file name in {}", src.display()))?;
                self.host(&format!("{path}/{name}"), &e.path())?;
            }
            Ok(())
        } else {
            bail!("{}: not a file, directory or symlink", src.display())
        }
    }

    /// Adds `rel` of the sysroot (file, symlink or whole directory) at the same path.
    fn sysroot(&mut self, sysroot: &Path, rel: &str) -> Result<()> {
        self.host(rel, &sysroot.join(rel))
    }

    fn write(&self, out: impl Write) -> Result<u64> {
        let mut cpio = CpioWriter::new(out);
        for (path, node) in &self.nodes {
            match node {
                Node::Dir { perm } => cpio.dir(path, *perm)?,
                Node::Bytes { perm, data } => cpio.file(path, *perm, data)?,
                Node::File { perm, src } => {
                    let mut f = fs::File::open(src).with_context(|| format!("opening {}", src.display()))?;
                    let size = f.metadata()?.len();
                    cpio.file_from(path, *perm, size, &mut f)
                        .with_context(|| format!("archiving {}", src.display()))?;
                }
                Node::Symlink { target } => cpio.symlink(path, target)?,
                Node::CharDev { perm, major, minor } => cpio.char_dev(path, *perm, *major, *minor)?,
            }
        }
        let size = cpio.offset;
        cpio.finish()?.flush()?;
        Ok(size)
    }
}

/// /etc/profile of the shell mode's login shell. PID 1 is /init waiting for that shell,
/// and busybox's poweroff/reboot/halt without -f only signal PID 1, hence the aliases.
const PROFILE: &str = r#"export PATH=/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root
PS1='\h:\w\$ '
alias poweroff='poweroff -f' halt='poweroff -f' reboot='reboot -f'
cd /root 2>/dev/null
"#;

// ---------------------------------------------------------------------------------------
// busybox

/// Applets linked into /usr/bin when the applet table cannot be read from the binary.
#[rustfmt::skip]
const FALLBACK_APPLETS: &[&str] = &[
    "[", "[[", "ash", "awk", "basename", "cat", "chmod", "chown", "clear", "cmp", "cp", "cttyhack",
    "cut", "date", "dd", "df", "diff", "dirname", "dmesg", "du", "echo", "egrep", "env", "expr",
    "false", "fgrep", "find", "free", "grep", "gunzip", "gzip", "halt", "head", "hexdump",
    "hostname", "id", "ifconfig", "insmod", "ip", "kill", "killall", "less", "ln", "ls", "lsmod",
    "md5sum", "mdev", "mkdir", "mknod", "mktemp", "modprobe", "more", "mount", "mv", "nproc",
    "od", "pidof", "ping", "poweroff", "printf", "ps", "pwd", "readlink", "realpath", "reboot",
    "rm", "rmdir", "rmmod", "sed", "seq", "setsid", "sh", "sha256sum", "sleep", "sort", "stat",
    "strings", "stty", "sync", "sysctl", "tail", "tee", "test", "time", "timeout", "top", "touch",
    "tr", "true", "umount", "uname", "uniq", "uptime", "usleep", "vi", "watch", "wc", "which",
    "xargs", "xxd", "yes", "zcat",
];

/// Applets a link must not be made for: our /init is the init, and `busybox` itself.
const SKIP_APPLETS: &[&str] = &["busybox", "init", "linuxrc"];

/// The applet names of a busybox binary: its `applet_names` table is the sorted
/// NUL-separated list starting with "[" and "[[".
fn busybox_applets(binary: &[u8]) -> Option<Vec<String>> {
    let start = binary.windows(5).position(|w| w == b"[\0[[\0")?;
    let mut names = Vec::new();
    for raw in binary[start..].split(|&b| b == 0) {
        if raw.is_empty() {
            break;
        }
        let ok = raw.iter().all(|&b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"[]-_.".contains(&b));
        let name = std::str::from_utf8(raw).ok()?;
        if !ok || names.last().is_some_and(|last: &String| last.as_str() >= name) {
            break;
        }
        names.push(name.to_owned());
    }
    let must = ["cttyhack", "insmod", "mount", "poweroff", "setsid", "sh"];
    (names.len() > 50 && must.iter().all(|m| names.iter().any(|n| n == m))).then_some(names)
}

// ---------------------------------------------------------------------------------------

/// The repository's root (xtask lives in `<root>/xtask`).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Builds the guest initramfs (gzip'd newc cpio) at `out`. `extra` are
/// (path in the image, host file or directory) pairs added last, keeping host modes.
pub fn build_initramfs(guest: &GuestFiles, extra: &[(String, PathBuf)], out: &Path) -> Result<()> {
    let tree = make_tree(guest, extra)?;
    let tmp = out.with_extension("tmp");
    let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let gz = GzEncoder::new(BufWriter::with_capacity(1 << 20, file), Compression::fast());
    let mut gz = BufWriter::with_capacity(1 << 20, gz);
    let raw = tree.write(&mut gz)?;
    let gz = gz.into_inner().map_err(|e| e.into_error())?;
    let mut file = gz.finish()?;
    file.flush()?;
    drop(file);
    fs::rename(&tmp, out).with_context(|| format!("writing {}", out.display()))?;
    let packed = fs::metadata(out)?.len();
    eprintln!(
        "guest: initramfs {} ({} entries, {:.1} MiB, {:.1} MiB compressed)",
        out.display(),
        tree.nodes.len(),
        raw as f64 / 1048576.0,
        packed as f64 / 1048576.0
    );
    Ok(())
}

fn make_tree(guest: &GuestFiles, extra: &[(String, PathBuf)]) -> Result<Tree> {
    let sys = guest.sysroot.as_path();
    let mut t = Tree::default();

    // Skeleton.
    for top in ["bin", "sbin", "lib"] {
        t.symlink(top, &format!("usr/{top}"))?;
    }
    for d in ["dev", "proc", "sys", "run", "etc", "mnt", "usr/bin", "usr/sbin", "usr/lib", "etc/tz/tests.d"] {
        t.dir(d, 0o755)?;
    }
    t.dir("tmp", 0o1777)?;
    t.dir("root", 0o700)?;
    t.dir("var/lib/optee-client/data/tee", 0o700)?;
    t.add("dev/console", Node::CharDev { perm: 0o600, major: 5, minor: 1 })?;
    t.bytes("etc/passwd", 0o644, "root:x:0:0:root:/root:/bin/sh\n")?;
    t.bytes("etc/group", 0o644, "root:x:0:\n")?;
    t.bytes("etc/hostname", 0o644, "tz\n")?;
    t.bytes("etc/profile", 0o644, PROFILE)?;

    // busybox and its applets.
    let busybox = sys.join("usr/bin/busybox");
    let bin = fs::read(&busybox).with_context(|| format!("reading {}", busybox.display()))?;
    let applets = busybox_applets(&bin).unwrap_or_else(|| FALLBACK_APPLETS.iter().map(|s| s.to_string()).collect());
    for a in applets.iter().filter(|a| !SKIP_APPLETS.contains(&a.as_str())) {
        t.symlink(&format!("usr/bin/{a}"), "busybox")?;
    }
    t.sysroot(sys, "usr/bin/busybox")?;

    // Shared libraries and the loader (skip gconv and anything that is not a library).
    add_libs(&mut t, sys, "usr/lib/aarch64-linux-gnu")?;
    t.sysroot(sys, "usr/lib/ld-linux-aarch64.so.1")?;

    // OP-TEE client side.
    t.sysroot(sys, "usr/sbin/tee-supplicant")?;
    t.sysroot(sys, "usr/bin/xtest")?;
    t.sysroot(sys, "usr/lib/optee_armtz")?;
    if sys.join("usr/lib/tee-supplicant/plugins").is_dir() {
        t.sysroot(sys, "usr/lib/tee-supplicant/plugins")?;
    }

    // Kernel modules (decompressed), insmod'ed by path from /init.
    let mods = format!("usr/lib/modules/{}", guest.kernel_release);
    t.add(&format!("{mods}/tee.ko"), Node::File { perm: 0o644, src: guest.tee_ko.clone() })?;
    t.add(&format!("{mods}/optee.ko"), Node::File { perm: 0o644, src: guest.optee_ko.clone() })?;
    t.add(&format!("{mods}/virtio_blk.ko"), Node::File { perm: 0o644, src: guest.virtio_blk_ko.clone() })?;

    // /init.
    let init = repo_root().join("qemu/init");
    if !init.is_file() {
        bail!("{} is missing", init.display());
    }
    t.add("init", Node::File { perm: 0o755, src: init })?;

    for (dest, src) in extra {
        t.host(dest, src).with_context(|| format!("adding {} as {dest}", src.display()))?;
    }
    Ok(t)
}

/// Adds the shared objects under `rel` (files and symlinks whose names contain ".so"),
/// recursively, except glibc's gconv modules.
fn add_libs(t: &mut Tree, sysroot: &Path, rel: &str) -> Result<()> {
    let dir = sysroot.join(rel);
    let mut entries: Vec<_> =
        fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        let path = format!("{rel}/{name}");
        let ft = e.file_type()?;
        if ft.is_dir() {
            if name != "gconv" {
                add_libs(t, sysroot, &path)?;
            }
        } else if name.contains(".so") {
            t.sysroot(sysroot, &path)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[rustfmt::skip]
    fn newc_file_golden() {
        // Hand-computed: file "a" holding "x\n", mode 0100644, ino 1; then the trailer.
        let mut w = CpioWriter::new(Vec::new());
        w.file("a", 0o644, b"x\n").unwrap();
        let out = w.finish().unwrap();
        let expected = concat!(
            "070701",
            "00000001", "000081A4", "00000000", "00000000", "00000001", "00000000",
            "00000002", "00000000", "00000000", "00000000", "00000000", "00000002",
            "00000000", "a\0", "x\n\0\0",
            "070701",
            "00000000", "00000000", "00000000", "00000000", "00000001", "00000000",
            "00000000", "00000000", "00000000", "00000000", "00000000", "0000000B",
            "00000000", "TRAILER!!!\0", "\0\0\0",
        );
        assert_eq!(String::from_utf8(out).unwrap(), expected);
    }

    #[test]
    #[rustfmt::skip]
    fn newc_dir_symlink_dev_padding() {
        let mut w = CpioWriter::new(Vec::new());
        w.dir("usr", 0o755).unwrap();
        w.symlink("bin", "usr/bin").unwrap();
        w.char_dev("dev/console", 0o600, 5, 1).unwrap();
        let out = w.finish().unwrap();
        let s = String::from_utf8(out).unwrap();
        let expected = concat!(
            // "usr": 110 + 4 = 114 -> 2 bytes of padding.
            "070701", "00000001", "000041ED", "00000000", "00000000", "00000002", "00000000",
            "00000000", "00000000", "00000000", "00000000", "00000000", "00000004", "00000000",
            "usr\0", "\0\0",
            // "bin" -> "usr/bin": 7 data bytes -> 1 byte of padding.
            "070701", "00000002", "0000A1FF", "00000000", "00000000", "00000001", "00000000",
            "00000007", "00000000", "00000000", "00000000", "00000000", "00000004", "00000000",
            "bin\0", "\0\0", "usr/bin", "\0",
            // "dev/console": 110 + 12 = 122 -> 2 bytes of padding.
            "070701", "00000003", "00002180", "00000000", "00000000", "00000001", "00000000",
            "00000000", "00000000", "00000000", "00000005", "00000001", "0000000C", "00000000",
            "dev/console\0", "\0\0",
        );
        assert!(s.starts_with(expected), "{s:?}");
        assert_eq!(s.len() % 4, 0);
    }

    #[test]
    fn image_paths() {
        assert_eq!(image_path("/etc/tz/tests.d/x").unwrap(), "etc/tz/tests.d/x");
        assert_eq!(image_path("lib/optee_armtz/a.ta").unwrap(), "usr/lib/optee_armtz/a.ta");
        assert_eq!(image_path("//bin//foo").unwrap(), "usr/bin/foo");
        assert_eq!(image_path("bin").unwrap(), "bin");
        assert!(image_path("../x").is_err());
        assert!(image_path("/").is_err());
    }

    #[test]
    fn tree_parents_and_order() {
        let mut t = Tree::default();
        t.bytes("/lib/optee_armtz/x.ta", 0o644, "ta").unwrap();
        t.symlink("lib", "usr/lib").unwrap();
        let keys: Vec<&str> = t.nodes.keys().map(String::as_str).collect();
        assert_eq!(keys, ["lib", "usr", "usr/lib", "usr/lib/optee_armtz", "usr/lib/optee_armtz/x.ta"]);
        let mut a = Vec::new();
        t.write(&mut a).unwrap();
        let mut b = Vec::new();
        t.write(&mut b).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn applet_table() {
        let mut bin = b"junk\0\x01[\0[[\0".to_vec();
        for a in ["acpid", "cat", "cttyhack", "insmod", "mount", "poweroff", "setsid", "sh"] {
            bin.extend_from_slice(a.as_bytes());
            bin.push(0);
        }
        bin.extend_from_slice(b"\0zzz\0");
        // Too short to be believed...
        assert_eq!(busybox_applets(&bin), None);
        // ...but parsed up to the terminating empty name.
        let mut long = b"[\0[[\0".to_vec();
        for i in 0..60 {
            long.extend_from_slice(format!("a{i:03}\0").as_bytes());
        }
        for a in ["cttyhack", "insmod", "mount", "poweroff", "setsid", "sh"] {
            long.extend_from_slice(a.as_bytes());
            long.push(0);
        }
        long.push(0);
        let names = busybox_applets(&long).unwrap();
        assert_eq!(names.len(), 2 + 60 + 6);
        assert_eq!(names.last().unwrap(), "sh");
    }
}
