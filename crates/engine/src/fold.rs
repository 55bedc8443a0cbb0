//! Folding text so that what people type, what a form's options say and
//! what a target stores can be compared: case, and for [`loose`] also
//! spaces and punctuation, do not count.
//!
//! Neither function uses Unicode's tables. Case conversion (`to_lowercase`)
//! and the letter and digit classes (`is_alphanumeric`) each carry tables
//! into the wasm, and the public widget runs [`loose`] when it plans a
//! submission, so both are decided here by character ranges instead. Text in
//! ASCII and the Latin-1 letters of Western European languages folds exactly
//! as Unicode folds it; the letters of other scripts are compared exactly,
//! case included.

/// Lower case for ASCII and the accented capitals of Latin-1 (À to Þ, but
/// not the sign ×), which is what Unicode makes of them; every other
/// character is kept as it is, so a match on it is exact-case only.
pub(crate) fn fold_case(text: &str) -> String {
    text.chars().map(fold_char).collect()
}

/// Text for loose equality: only letters and digits, in lower case as
/// [`fold_case`] writes it, so "Non-binary", "non binary" and "NON_BINARY"
/// are equal.
///
/// Used to match an option's id or label to a target's enum values and to
/// yes-or-no words when a submission is planned, and to match a value a
/// target stored to an option when staff prefill a form. Its rule suits
/// both: the enum values and words are ASCII, and the options and stored
/// values may be in any language.
///
/// Letters and digits are told apart from the rest by Unicode block
/// rather than by Unicode's own per-character table (see the module's
/// comment): within ASCII and Latin-1 the result is exactly Unicode's.
/// Beyond them, whole blocks of punctuation, symbols, combining accents
/// and emoji are left out and every other character counts, so the
/// letters of other scripts stay and labels written only in them never
/// fold to nothing.
pub(crate) fn loose(text: &str) -> String {
    text.chars()
        .filter(|&character| is_letter_or_digit(character))
        .map(fold_char)
        .collect()
}

fn fold_char(character: char) -> char {
    match character {
        'A'..='Z' => character.to_ascii_lowercase(),
        'À'..='Þ' if character != '×' => {
            char::from_u32(u32::from(character) + 32).unwrap_or(character)
        }
        _ => character,
    }
}

/// Whether a character counts for [`loose`]: a letter or digit, judged by
/// its Unicode block beyond Latin-1.
fn is_letter_or_digit(character: char) -> bool {
    match character {
        '0'..='9' | 'A'..='Z' | 'a'..='z' => true,
        // Latin-1's letters, ordinal indicators, micro sign, superscript
        // digits and fractions; × and ÷ are signs.
        'ª' | '²' | '³' | 'µ' | '¹' | 'º' | '¼'..='¾' | 'À'..='ÿ' => {
            character != '×' && character != '÷'
        }
        // The rest of ASCII and Latin-1: spaces, punctuation, symbols and
        // control characters.
        '\0'..='\u{ff}' => false,
        // Combining accents; typographic spaces, dashes and quotes, and the
        // blocks of symbols, arrows, shapes and dingbats after them;
        // supplemental and CJK punctuation; private use; variation
        // selectors and CJK compatibility and small punctuation; fullwidth
        // punctuation and signs; emoji and pictographs; tags.
        '\u{300}'..='\u{36f}'
        | '\u{2000}'..='\u{2bff}'
        | '\u{2e00}'..='\u{2e7f}'
        | '\u{3000}'..='\u{303f}'
        | '\u{e000}'..='\u{f8ff}'
        | '\u{fe00}'..='\u{fe6f}'
        | '\u{ff00}'..='\u{ff0f}'
        | '\u{ff1a}'..='\u{ff20}'
        | '\u{ff3b}'..='\u{ff40}'
        | '\u{ff5b}'..='\u{ff65}'
        | '\u{ffe0}'..='\u{ffff}'
        | '\u{1f000}'..='\u{1fbff}'
        | '\u{e0000}'..='\u{e01ef}' => false,
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::{fold_case, loose};

    /// What Unicode's own tables make of a text: the rule [`loose`] copies.
    fn unicode_loose(text: &str) -> String {
        text.chars()
            .filter(|character| character.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    }

    #[test]
    fn ascii_and_latin_1_fold_exactly_as_unicode_folds_them() {
        for code in 0..=0xff_u32 {
            let Some(character) = char::from_u32(code) else {
                continue;
            };
            let text = character.to_string();
            assert_eq!(loose(&text), unicode_loose(&text), "U+{code:04X}");
            assert_eq!(
                fold_case(&text),
                text.to_lowercase(),
                "U+{code:04X} in lower case"
            );
        }
    }

    #[test]
    fn case_folds_for_ascii_and_accented_latin_letters() {
        assert_eq!(
            fold_case("NÚMERO de Teléfono ÀÞ×"),
            "número de teléfono àþ×"
        );
        assert_eq!(
            fold_case("ΑΒΓ"),
            "ΑΒΓ",
            "other scripts are kept as they are"
        );
    }

    #[test]
    fn enum_values_match_labels_whatever_their_case_and_punctuation() {
        // Planning a submission compares option ids and labels with a
        // target's enum values and with yes-or-no words.
        for (typed, wire) in [
            ("Non-binary", "non-binary"),
            ("NON_BINARY", "non-binary"),
            ("Single / never married", "single/never-married"),
            ("I agree.", "iagree"),
            ("  Yes!  ", "yes"),
            ("Yes ✅", "yes"),
            ("“Yes”", "yes"),
            ("Yes\u{a0}— thank you", "yesthankyou"),
            ("Y", "y"),
        ] {
            assert_eq!(loose(typed), loose(wire), "{typed}");
        }
        assert_ne!(loose("No"), loose("Non-binary"));
    }

    #[test]
    fn stored_values_match_options_in_any_language() {
        // Prefilling compares a target's stored values with option ids,
        // base ids and labels, which may be written in any script.
        assert_eq!(loose("ESPAÑOL"), loose("Español"));
        assert_eq!(loose("Français"), "français");
        assert_eq!(loose("Ça va, Ösel?"), "çavaösel");
        assert_eq!(loose("中文 (简体)"), "中文简体");
        assert_eq!(loose("日本語、英語。"), "日本語英語");
        assert_eq!(loose("Русский"), "Русский", "other scripts keep their case");
        assert_ne!(loose("中文"), loose("日本語"));
        assert_ne!(loose("Sí"), loose("Só"), "accented letters count");
        // Letters of other scripts are letters, so a label in them never
        // folds to nothing.
        for label in ["中文", "العربية", "हिन्दी", "Ελληνικά", "ქართული", "한국어"]
        {
            assert!(!loose(label).is_empty(), "{label}");
        }
        for blank in ["", " - ", "…", "🙂👍🏽", "★☆", "\u{200d}\u{fe0f}"] {
            assert_eq!(loose(blank), "", "{blank:?}");
        }
    }
}
