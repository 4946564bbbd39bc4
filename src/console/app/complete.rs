//! Path prompts (the import's, the body file's): typing into one, and Tab
//! completing it as a shell does: what the operator typed and the entries
//! of the folder it names go in, the longest completion they agree on and
//! the choices left come out. Pure: the run loop lists the folder
//! (`crate::console::files`).

/// One entry of the folder the typed path names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    pub dir: bool,
}

/// What Tab does to the prompt.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// The prompt's new text.
    pub path: String,
    /// The choices still open (full paths as they would be typed), shown
    /// under the prompt; empty when the completion is unique or nothing
    /// matched.
    pub choices: Vec<String>,
}

/// The folder part of `typed` (kept verbatim, `~/` included) and the part
/// of a name being completed.
pub fn split(typed: &str) -> (&str, &str) {
    match typed.rfind('/') {
        Some(i) => (&typed[..=i], &typed[i + 1..]),
        None => ("", typed),
    }
}

/// Completes `typed` against the entries of its folder. Hidden entries are
/// offered only when the operator typed the leading dot. A unique folder
/// gets its `/` so the next Tab lists inside it.
pub fn complete(typed: &str, entries: &[Entry]) -> Completion {
    let (dir, stem) = split(typed);
    let mut hits: Vec<&Entry> = entries
        .iter()
        .filter(|e| e.name.starts_with(stem) && (stem.starts_with('.') || !e.name.starts_with('.')))
        .collect();
    hits.sort_by(|a, b| a.name.cmp(&b.name));
    let full = |e: &Entry| format!("{dir}{}{}", e.name, if e.dir { "/" } else { "" });
    match hits.as_slice() {
        [] => Completion {
            path: typed.to_string(),
            choices: Vec::new(),
        },
        [one] => Completion {
            path: full(one),
            choices: Vec::new(),
        },
        many => {
            let mut common = many[0].name.as_str();
            for e in &many[1..] {
                let n = common
                    .char_indices()
                    .zip(e.name.chars())
                    .take_while(|((_, a), b)| a == b)
                    .last()
                    .map_or(0, |((i, a), _)| i + a.len_utf8());
                common = &common[..n];
            }
            Completion {
                path: format!("{dir}{common}"),
                choices: many.iter().map(|e| full(e)).collect(),
            }
        }
    }
}

/// A key typed at a path prompt: a character added, or the last one taken
/// back. `false` for any other key: the path did not change.
pub fn type_into(path: &mut String, input: &ratatui_textarea::Input) -> bool {
    use ratatui_textarea::Key;
    match input.key {
        Key::Char(c) if !input.ctrl && !input.alt => path.push(c),
        Key::Backspace => {
            path.pop();
        }
        _ => return false,
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(names: &[&str]) -> Vec<Entry> {
        names
            .iter()
            .map(|n| Entry {
                name: n.trim_end_matches('/').to_string(),
                dir: n.ends_with('/'),
            })
            .collect()
    }

    #[test]
    fn a_unique_file_completes_and_a_unique_folder_gets_its_slash() {
        let e = entries(&["orders.jsonl", "exports/", "notes.txt"]);
        assert_eq!(complete("ord", &e).path, "orders.jsonl");
        assert_eq!(complete("ex", &e).path, "exports/");
        assert!(complete("ex", &e).choices.is_empty());
    }

    #[test]
    fn several_matches_complete_to_what_they_share_and_are_listed() {
        let e = entries(&["orders-1.jsonl", "orders-2.jsonl", "other"]);
        let c = complete("~/in/or", &e);
        assert_eq!(c.path, "~/in/orders-");
        assert_eq!(c.choices, ["~/in/orders-1.jsonl", "~/in/orders-2.jsonl"]);
    }

    #[test]
    fn hidden_entries_only_when_a_dot_is_typed_and_no_match_keeps_the_text() {
        let e = entries(&[".cache/", "data.jsonl"]);
        assert_eq!(complete("", &e).path, "data.jsonl");
        assert_eq!(complete(".", &e).path, ".cache/");
        assert_eq!(complete("zz", &e).path, "zz");
        assert!(complete("zz", &e).choices.is_empty());
    }

    #[test]
    fn shared_prefixes_stop_on_a_character_boundary() {
        let e = entries(&["héllo-a", "héllo-b"]);
        assert_eq!(complete("h", &e).path, "héllo-");
        assert_eq!(split("a/b/c"), ("a/b/", "c"));
        assert_eq!(split("c"), ("", "c"));
    }
}
