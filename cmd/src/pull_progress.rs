//! How a pull shows its progress on stderr: Podman's lines, or on a terminal one indicatif bar
//! per blob (bytes received out of the manifest's size).

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use registry::progress::short_digest;
use registry::PullProgress;

/// The printer a command's pull reports to: nothing when quiet, bars on a terminal, else
/// Podman's lines.
pub fn stderr(quiet: bool) -> Box<dyn PullProgress> {
    if !quiet && std::io::stderr().is_terminal() {
        Box::new(Bars::new())
    } else {
        Box::new(Lines { quiet })
    }
}

/// Podman's progress lines on stderr, nothing when quiet.
pub struct Lines {
    pub quiet: bool,
}

impl PullProgress for Lines {
    fn line(&self, text: &str) {
        if !self.quiet {
            eprintln!("{text}");
        }
    }
}

/// Bars on a terminal's stderr; other lines printed above them.
pub struct Bars {
    bars: MultiProgress,
    by_digest: Mutex<HashMap<String, ProgressBar>>,
}

impl Bars {
    pub fn new() -> Bars {
        Bars {
            bars: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
            by_digest: Mutex::new(HashMap::new()),
        }
    }

    fn bar(&self, digest: &str) -> Option<ProgressBar> {
        self.by_digest.lock().ok()?.get(digest).cloned()
    }
}

impl PullProgress for Bars {
    fn line(&self, text: &str) {
        if self.bars.println(text).is_err() {
            eprintln!("{text}");
        }
    }

    fn blob_started(&self, digest: &str, size: u64) {
        let style = ProgressStyle::with_template("Copying blob {prefix} {bar:30} {bytes}/{total_bytes} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
        let bar = self.bars.add(ProgressBar::new(size).with_style(style).with_prefix(short_digest(digest).to_string()));
        if let Ok(mut bars) = self.by_digest.lock() {
            bars.insert(digest.to_string(), bar);
        }
    }

    fn blob_bytes(&self, digest: &str, bytes: u64) {
        if let Some(bar) = self.bar(digest) {
            bar.inc(bytes);
        }
    }

    fn blob_done(&self, digest: &str) {
        if let Some(bar) = self.bar(digest) {
            bar.finish_with_message("done");
        }
    }
}
