//! `--share <dir>`: a host folder in the guest at `/mnt/host`, live, through
//! virtio-fs. Debian's cloud arm64 kernel has no 9p (`CONFIG_NET_9P` is not
//! set) but has virtio-fs built in (`CONFIG_VIRTIO_FS=y`, virtio-pci too), so
//! the folder is served by QEMU's `virtiofsd` (shipped with Debian's QEMU 7.2
//! as `/usr/lib/qemu/virtiofsd`; it needs root for its sandbox) over a
//! vhost-user socket. vhost-user needs guest RAM QEMU can share with
//! virtiofsd: a memfd backend of `-m`'s size.
//!
//! The guest's `/init` mounts tag [`TAG`] when the kernel command line says
//! `tz.share=1` and starts tee-supplicant with `--ta-path
//! /mnt/host/optee_armtz:/mnt/host:/lib/optee_armtz`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// The virtio-fs tag `/init` mounts.
pub const TAG: &str = "tzshare";
/// Where the guest mounts the share.
pub const GUEST_DIR: &str = "/mnt/host";
/// The kernel command-line word that has `/init` mount it.
pub const APPEND: &str = "tz.share=1";

/// Where virtiofsd may be: Debian's QEMU 7.2 (C version), the Rust
/// `virtiofsd` package (newer Debian), or PATH.
const VIRTIOFSD: &[&str] = &["/usr/lib/qemu/virtiofsd", "/usr/libexec/virtiofsd"];

/// The QEMU arguments that attach the vhost-user socket `socket` as a
/// virtio-fs device with tag [`TAG`] and back `memory` (QEMU's size syntax,
/// the `-m` value) of guest RAM with a shared memfd.
pub fn qemu_args(socket: &Path, memory: &str) -> Vec<String> {
    vec![
        "-object".into(),
        format!("memory-backend-memfd,id=tzmem,size={memory},share=on"),
        "-machine".into(),
        "memory-backend=tzmem".into(),
        "-chardev".into(),
        format!("socket,id=tzsharesock,path={}", socket.display()),
        "-device".into(),
        format!("vhost-user-fs-pci,queue-size=1024,chardev=tzsharesock,tag={TAG}"),
    ]
}

/// The virtiofsd arguments serving `dir` on `socket`. `cache=none`: the
/// guest sees what the host changes at once; `sandbox=chroot` works inside
/// containers too.
pub fn virtiofsd_args(dir: &Path, socket: &Path) -> Vec<String> {
    vec![
        format!("--socket-path={}", socket.display()),
        "-o".into(),
        format!("source={}", dir.display()),
        "-o".into(),
        "cache=none".into(),
        "-o".into(),
        "sandbox=chroot".into(),
    ]
}

fn find_virtiofsd() -> Result<PathBuf> {
    for p in VIRTIOFSD {
        if Path::new(p).is_file() {
            return Ok(PathBuf::from(p));
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let p = dir.join("virtiofsd");
            if p.is_file() {
                return Ok(p);
            }
        }
    }
    // QEMU 8 and later ship no virtiofsd: newer Debian and Ubuntu package
    // the Rust one as `virtiofsd` (in /usr/libexec); install it like QEMU.
    let packaged = Path::new("/usr/libexec/virtiofsd");
    crate::guest::ensure_host_file(packaged, "virtiofsd").with_context(|| {
        format!("no virtiofsd (looked in {} and PATH; QEMU 7.2 ships one in qemu-system-common)", VIRTIOFSD.join(", "))
    })?;
    Ok(packaged.to_path_buf())
}

/// A running virtiofsd serving one folder; killed when dropped.
pub struct Share {
    child: Child,
    /// The vhost-user socket QEMU connects to.
    pub socket: PathBuf,
    /// virtiofsd's own output.
    pub log: PathBuf,
}

impl Share {
    /// Starts virtiofsd for `dir`; its socket and log go under `work`
    /// (`virtiofsd-<name>.sock`, `virtiofsd-<name>.log`).
    pub fn start(dir: &Path, work: &Path, name: &str) -> Result<Share> {
        let dir = dir.canonicalize().with_context(|| format!("--share {}: no such folder", dir.display()))?;
        anyhow::ensure!(dir.is_dir(), "--share {}: not a folder", dir.display());
        let virtiofsd = find_virtiofsd()?;
        std::fs::create_dir_all(work)?;
        let socket = work.join(format!("virtiofsd-{name}.sock"));
        let log = work.join(format!("virtiofsd-{name}.log"));
        let _ = std::fs::remove_file(&socket);
        let out = std::fs::File::create(&log).with_context(|| format!("creating {}", log.display()))?;
        let child = Command::new(&virtiofsd)
            .args(virtiofsd_args(&dir, &socket))
            .stdin(Stdio::null())
            .stdout(out.try_clone()?)
            .stderr(out)
            .spawn()
            .with_context(|| format!("starting {}", virtiofsd.display()))?;
        let mut share = Share { child, socket, log };
        // QEMU fails at once if the socket is not there yet.
        let start = Instant::now();
        while !share.socket.exists() {
            if let Some(status) = share.child.try_wait()? {
                bail!(
                    "virtiofsd exited ({status}) before listening; see {} (Debian's virtiofsd needs root)",
                    share.log.display()
                );
            }
            if start.elapsed() > Duration::from_secs(10) {
                bail!("virtiofsd did not create {} in 10 s; see {}", share.socket.display(), share.log.display());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        eprintln!("xtask: sharing {} as {GUEST_DIR} (virtio-fs, log {})", dir.display(), share.log.display());
        Ok(share)
    }
}

impl Drop for Share {
    fn drop(&mut self) {
        // virtiofsd exits by itself when QEMU disconnects; this covers the rest.
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_file(&self.socket);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn qemu_gets_a_shared_memory_backend_and_the_device() {
        let args = qemu_args(Path::new("/t/s.sock"), "1G").join(" ");
        assert!(args.contains("-object memory-backend-memfd,id=tzmem,size=1G,share=on"));
        assert!(args.contains("-machine memory-backend=tzmem"));
        assert!(args.contains("-chardev socket,id=tzsharesock,path=/t/s.sock"));
        assert!(args.contains("-device vhost-user-fs-pci,queue-size=1024,chardev=tzsharesock,tag=tzshare"));
    }

    #[test]
    fn virtiofsd_serves_the_folder_uncached() {
        let args = virtiofsd_args(Path::new("/h/dir"), Path::new("/t/s.sock")).join(" ");
        assert_eq!(args, "--socket-path=/t/s.sock -o source=/h/dir -o cache=none -o sandbox=chroot");
    }

    #[test]
    fn init_knows_the_tag_and_the_parameter() {
        let init = std::fs::read_to_string(crate::root().join("qemu/init")).unwrap();
        assert!(init.contains(&format!("mount -t virtiofs {TAG} {GUEST_DIR}")));
        assert!(init.contains("tz.share=*"));
        assert_eq!(APPEND, "tz.share=1");
    }
}
