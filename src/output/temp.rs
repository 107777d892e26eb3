//! Temporary files and folders (`.NAME.tmp-PID`): removed when floodsim is interrupted by
//! SIGINT or SIGTERM, and, when a process died without cleaning up (SIGKILL, power loss),
//! removed by the next run or sweep that writes next to them.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Temporaries of this process that exist now.
static LIVE: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());

/// The hidden temporary sibling name of `name` for this process: `.NAME.tmp-PID`.
pub fn temp_name(name: &str) -> String {
    format!(".{name}.tmp-{}", std::process::id())
}

/// A temporary path that the signal handler removes; dropping it only forgets the path
/// (its owner has removed it or renamed it into place).
pub struct Registered(PathBuf);

/// Registers `path` (a file or a folder) for removal on SIGINT or SIGTERM.
pub fn register(path: &Path) -> Registered {
    lock().push(path.to_path_buf());
    Registered(path.to_path_buf())
}

impl Drop for Registered {
    fn drop(&mut self) {
        let mut live = lock();
        if let Some(i) = live.iter().rposition(|p| *p == self.0) {
            live.swap_remove(i);
        }
    }
}

fn lock() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    LIVE.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn remove(path: &Path) {
    if path.is_dir() {
        let _ = std::fs::remove_dir_all(path);
    } else {
        let _ = std::fs::remove_file(path);
    }
}

/// Removes the entries of `dir` named `PREFIX….tmp-PID` whose process is no longer alive.
pub fn remove_stale(dir: &Path, prefix: &str) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let pid = name
            .strip_prefix(prefix)
            .and_then(|rest| rest.rsplit_once(".tmp-"))
            .and_then(|(_, pid)| pid.parse::<u32>().ok());
        if let Some(pid) = pid
            && pid != std::process::id()
            && !alive(pid)
        {
            remove(&entry.path());
        }
    }
}

/// Whether process `pid` exists (always assumed so where that cannot be told).
fn alive(pid: u32) -> bool {
    !cfg!(target_os = "linux") || Path::new("/proc").join(pid.to_string()).exists()
}

/// Makes SIGINT and SIGTERM remove this process's temporaries and exit with 128 + the signal
/// number. Call first in `main`, before any thread starts: the signals are blocked in every
/// thread and taken by one thread that waits for them.
#[cfg(target_os = "linux")]
pub fn clean_up_on_signals() {
    // SAFETY: plain libc calls on a local, initialised signal set.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        libc::sigaddset(&mut set, libc::SIGINT);
        libc::sigaddset(&mut set, libc::SIGTERM);
        if libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut()) != 0 {
            return;
        }
        std::thread::spawn(move || {
            let mut signal = 0;
            if libc::sigwait(&set, &mut signal) == 0 {
                for path in lock().iter() {
                    remove(path);
                }
                std::process::exit(128 + signal);
            }
        });
    }
}

/// Elsewhere signals keep their default action.
#[cfg(not(target_os = "linux"))]
pub fn clean_up_on_signals() {}
