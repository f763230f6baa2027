//! `cargo xtask screenshot`: the conformance report's HTML as a real browser draws it, so what a
//! person sees first can be looked at, not assumed. Headless Chromium (Debian's `chromium`
//! package, or whichever `CHROMIUM` names) renders `report.html` to a PNG.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};
use std::process::Command;

#[derive(clap::Args)]
pub struct Args {
    /// The page to draw; the last conformance run's report by default.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Where the PNG goes; beside the report by default (report.png).
    #[arg(long)]
    out: Option<PathBuf>,
    /// The window, `WIDTHxHEIGHT` pixels: what one screen shows.
    #[arg(long, default_value = "1400x1000")]
    window: String,
}

/// Where a browser may be, in the order tried after `CHROMIUM`.
const BROWSERS: [&str; 4] = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

fn browser() -> Result<PathBuf> {
    if let Some(path) = std::env::var_os("CHROMIUM") {
        return Ok(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    for name in BROWSERS {
        if let Some(found) = std::env::split_paths(&path).map(|dir| dir.join(name)).find(|p| p.is_file()) {
            return Ok(found);
        }
    }
    bail!(
        "no Chromium found (tried CHROMIUM, then {} on PATH): install Debian's `chromium` package \
         (apt-get install chromium) or set CHROMIUM to a Chrome or Chromium binary",
        BROWSERS.join(", ")
    )
}

pub fn run(args: Args) -> Result<()> {
    let report = args.report.unwrap_or_else(|| super::conformance::out_dir().join("report.html"));
    if !report.is_file() {
        bail!("{} does not exist: run `cargo xtask conformance` first", report.display());
    }
    let out = args.out.unwrap_or_else(|| report.with_extension("png"));
    let (width, height) = args
        .window
        .split_once('x')
        .and_then(|(w, h)| Some((w.parse::<u32>().ok()?, h.parse::<u32>().ok()?)))
        .with_context(|| format!("`{}`: the window is WIDTHxHEIGHT, as 1400x1000", args.window))?;
    draw(&browser()?, &report, &out, width, height)?;
    println!("wrote {}", out.display());
    Ok(())
}

fn draw(browser: &Path, page: &Path, out: &Path, width: u32, height: u32) -> Result<()> {
    let page = page.canonicalize().with_context(|| page.display().to_string())?;
    let _ = std::fs::remove_file(out);
    let status = Command::new(browser)
        .args(["--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars"])
        .arg(format!("--window-size={width},{height}"))
        .arg(format!("--screenshot={}", out.display()))
        .arg(format!("file://{}", page.display()))
        .status()
        .with_context(|| format!("starting {}", browser.display()))?;
    if !status.success() || !out.is_file() {
        bail!("{} drew no screenshot ({status})", browser.display());
    }
    Ok(())
}
