//! Running the operator's editor on a text: which editor (`$VISUAL`, else
//! `$EDITOR`), a temporary file holding the text, the editor run on it
//! through `sh` (so `code --wait` or `emacsclient -t` work as set), and
//! the file read back. The terminal's suspension around it belongs to the
//! caller (`console::mod`), so this runs the same under a test.

use std::io::Write;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The editor command the environment names, or why there is none.
pub fn command(visual: Option<String>, editor: Option<String>) -> Result<String, String> {
    [visual, editor]
        .into_iter()
        .flatten()
        .find(|c| !c.trim().is_empty())
        .ok_or_else(|| {
            "no editor: set $VISUAL or $EDITOR (e.g. export EDITOR=vi) to edit here".to_string()
        })
}

/// The editor from this process's environment.
pub fn from_env() -> Result<String, String> {
    command(std::env::var("VISUAL").ok(), std::env::var("EDITOR").ok())
}

/// Writes `text` to a temporary file ending in `suffix`, runs `cmd FILE`
/// (its stdin, stdout and stderr the terminal's) and returns the file as
/// it was saved. A non-zero exit, a signal or a file that is no longer
/// UTF-8 is an error; the file is removed either way.
pub fn edit(cmd: &str, text: &str, suffix: &str) -> Result<String> {
    let mut file = tempfile::Builder::new()
        .prefix("rmq-console-")
        .suffix(suffix)
        .tempfile()
        .context("creating the editor's temporary file")?;
    file.write_all(text.as_bytes())
        .and_then(|()| file.flush())
        .context("writing the editor's temporary file")?;
    let path = file.path().to_path_buf();
    // `sh -c 'cmd "$1"'`: the editor variable may carry its own flags.
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} \"$1\""))
        .arg("sh")
        .arg(&path)
        .status()
        .with_context(|| format!("starting the editor `{cmd}`"))?;
    if !status.success() {
        match status.code() {
            Some(code) => bail!("the editor `{cmd}` exited with status {code}"),
            None => bail!("the editor `{cmd}` was ended by a signal"),
        }
    }
    // Read by path: an editor that saves by renaming a new file over the
    // old one leaves the open handle on the old contents.
    let bytes = std::fs::read(&path).context("reading the edited file back")?;
    String::from_utf8(bytes).map_err(|e| {
        anyhow::anyhow!(
            "the edited file is not UTF-8 text (invalid byte at offset {})",
            e.utf8_error().valid_up_to()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A fake editor: a shell script that edits the file it is given.
    fn script(dir: &std::path::Path, body: &str) -> String {
        use std::os::unix::fs::PermissionsExt;
        let p = dir.join("fake-editor");
        std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p.display().to_string()
    }

    #[test]
    fn the_editor_edits_the_file_and_the_text_comes_back() {
        let dir = tempfile::tempdir().unwrap();
        // Replaces a value and appends a line, as an operator would.
        let ed = script(
            dir.path(),
            "sed -i 's/\"old\"/\"new\"/' \"$1\" && printf 'extra\\n' >> \"$1\"",
        );
        let out = edit(&ed, "{\"v\": \"old\"}\n", ".json").unwrap();
        assert_eq!(out, "{\"v\": \"new\"}\nextra\n");
    }

    #[test]
    fn flags_in_the_variable_are_kept_and_the_suffix_reaches_the_editor() {
        let dir = tempfile::tempdir().unwrap();
        let seen = dir.path().join("seen");
        let ed = script(dir.path(), &format!("echo \"$@\" > {}", seen.display()));
        edit(&format!("{ed} --wait"), "x", ".toml").unwrap();
        let args = std::fs::read_to_string(&seen).unwrap();
        assert!(
            args.starts_with("--wait ") && args.trim_end().ends_with(".toml"),
            "{args}"
        );
    }

    #[test]
    fn a_failing_editor_is_an_error_with_its_status() {
        let dir = tempfile::tempdir().unwrap();
        let ed = script(dir.path(), "echo garbage > \"$1\"; exit 3");
        let e = edit(&ed, "keep", ".txt").unwrap_err().to_string();
        assert!(e.contains("exited with status 3"), "{e}");
    }

    #[test]
    fn visual_wins_and_neither_set_says_what_to_do() {
        assert_eq!(
            command(Some("nano".into()), Some("vi".into())).unwrap(),
            "nano"
        );
        assert_eq!(command(Some(" ".into()), Some("vi".into())).unwrap(), "vi");
        let e = command(None, None).unwrap_err();
        assert!(e.contains("set $VISUAL or $EDITOR"), "{e}");
    }
}
