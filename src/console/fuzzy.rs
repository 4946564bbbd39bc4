//! The palette's fuzzy match: the query's characters in order (a
//! subsequence, ignoring case) anywhere in a line, scored so that runs of
//! adjacent characters and word starts rank first. Pure.

/// `None` when `query` is not a subsequence of `text`; else a score, higher
/// is better. The empty query matches everything with 0.
pub fn score(query: &str, text: &str) -> Option<i64> {
    let text: Vec<char> = text.chars().flat_map(char::to_lowercase).collect();
    let mut score = 0i64;
    let mut at = 0usize;
    let mut last: Option<usize> = None;
    for q in query.chars().flat_map(char::to_lowercase) {
        if q.is_whitespace() {
            continue;
        }
        let found = at + text[at..].iter().position(|&c| c == q)?;
        score += 1;
        if last.is_some_and(|l| l + 1 == found) {
            score += 5;
        }
        if found == 0 || !text[found - 1].is_alphanumeric() {
            score += 8;
        }
        // A match far from the previous one is worth less.
        score -= (found - last.map_or(0, |l| l + 1)).min(10) as i64;
        last = Some(found);
        at = found + 1;
    }
    Some(score)
}

#[cfg(test)]
mod tests {
    use super::score;

    #[test]
    fn subsequences_match_and_word_starts_rank_first() {
        assert_eq!(score("", "anything"), Some(0));
        assert!(score("xyz", "send").is_none());
        assert!(score("snd", "send").is_some());
        // `sm` as the start of two words beats letters inside one.
        let words = score("sm", "save_message").unwrap();
        let inside = score("sm", "resume").unwrap();
        assert!(words > inside, "{words} vs {inside}");
        // Adjacent letters beat scattered ones.
        assert!(score("hist", "history").unwrap() > score("hist", "haixsyt").unwrap());
        assert!(score("SEND", "send").is_some(), "case is ignored");
    }
}
