//! Word wrapping for text that must be read whole (validation messages,
//! the message log): lines break between words, a word longer than the
//! width is split, nothing is cut off.

/// `text` in lines of at most `width` characters.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        let mut cur_w = 0;
        for word in para.split(' ').filter(|w| !w.is_empty()) {
            let mut word: Vec<char> = word.chars().collect();
            // A word that does not fit a whole line is split.
            while word.len() > width {
                if cur_w > 0 {
                    lines.push(std::mem::take(&mut cur));
                    cur_w = 0;
                }
                let rest = word.split_off(width);
                lines.push(word.into_iter().collect());
                word = rest;
            }
            let need = if cur_w == 0 {
                word.len()
            } else {
                cur_w + 1 + word.len()
            };
            if need > width {
                lines.push(std::mem::take(&mut cur));
                cur_w = 0;
            }
            if cur_w > 0 {
                cur.push(' ');
                cur_w += 1;
            }
            cur_w += word.len();
            cur.extend(word);
        }
        lines.push(cur);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn breaks_between_words_and_keeps_every_character() {
        let text = "FIFO order holds for sync sends, one after another";
        let lines = wrap(text, 20);
        assert_eq!(
            lines,
            ["FIFO order holds for", "sync sends, one", "after another"]
        );
        assert!(lines.iter().all(|l| l.chars().count() <= 20));
        assert_eq!(lines.join(" "), text);
        assert_eq!(wrap("abcdefgh ij", 3), ["abc", "def", "gh", "ij"]);
        assert_eq!(wrap("", 5), [""]);
    }
}
