//! Small value checks shared by several targets.

/// A deliberately simple email check: one `@`, something before it, a dot in the domain, no spaces.
pub fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !text.chars().any(char::is_whitespace)
}

/// The digits of a phone number, dropping spaces, dashes, brackets and the like.
pub fn digits_of(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// An RFC 4122 version 4 UUID in its hyphenated form, as charity_crm demands.
pub fn is_uuid_v4(text: &str) -> bool {
    let bytes = text.as_bytes();
    if bytes.len() != 36 {
        return false;
    }
    for (index, byte) in bytes.iter().enumerate() {
        let is_hyphen_position = matches!(index, 8 | 13 | 18 | 23);
        if is_hyphen_position != (*byte == b'-') {
            return false;
        }
        if !is_hyphen_position && !byte.is_ascii_hexdigit() {
            return false;
        }
    }
    bytes[14] == b'4' && matches!(bytes[19].to_ascii_lowercase(), b'8' | b'9' | b'a' | b'b')
}

/// An IBAN with a correct ISO 13616 check (mod 97 == 1); spaces are allowed and ignored.
pub fn is_iban(text: &str) -> bool {
    let compact = normalize_iban(text);
    let bytes = compact.as_bytes();
    if !(15..=34).contains(&bytes.len())
        || !bytes[0].is_ascii_uppercase()
        || !bytes[1].is_ascii_uppercase()
        || !bytes[2].is_ascii_digit()
        || !bytes[3].is_ascii_digit()
        || !bytes.iter().all(u8::is_ascii_alphanumeric)
    {
        return false;
    }
    let rearranged = compact[4..].bytes().chain(compact[..4].bytes());
    let mut remainder: u32 = 0;
    for byte in rearranged {
        let value = if byte.is_ascii_digit() {
            u32::from(byte - b'0')
        } else {
            u32::from(byte - b'A') + 10
        };
        remainder = if value >= 10 {
            (remainder * 100 + value) % 97
        } else {
            (remainder * 10 + value) % 97
        };
    }
    remainder == 1
}

pub fn normalize_iban(text: &str) -> String {
    text.chars()
        .filter(|character| !character.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert!(is_email("maria@example.org"));
        assert!(!is_email("maria@example"));
        assert!(!is_email("@example.org"));
        assert!(!is_email("maria example@example.org"));
    }

    #[test]
    fn uuids_must_be_version_4() {
        assert!(is_uuid_v4("82b431f0-f401-4afd-b6db-9d1d751232d9"));
        assert!(!is_uuid_v4("82b431f0-f401-1afd-b6db-9d1d751232d9"));
        assert!(!is_uuid_v4("not-a-uuid"));
    }

    #[test]
    fn iban_check_digits_are_verified() {
        assert!(is_iban("NL91ABNA0417164300"));
        assert!(is_iban("nl91 abna 0417 1643 00"));
        assert!(is_iban("DE89370400440532013000"));
        assert!(!is_iban("NL92ABNA0417164300"));
        assert!(!is_iban("NL91"));
    }
}
