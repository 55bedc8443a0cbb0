//! Percent-encoding, both ways: what goes into the URLs and form bodies
//! sent to a target, and what is read back from the URLs in its answers.
//! Every byte that is not left as it is becomes `%XX` with upper-case hex
//! digits, as browsers write it.

/// Encodes one URL path segment or query value. Only RFC 3986's unreserved
/// characters stay as they are, so an id can never add a path or query.
pub(crate) fn encode_segment(text: &str) -> String {
    encode(text, false, |byte| {
        byte.is_ascii_alphanumeric() || b"-._~".contains(&byte)
    })
}

/// `application/x-www-form-urlencoded` escaping, as browsers write it: a
/// space is `+`, and only letters, digits and `*-._` stay as they are.
pub(crate) fn encode_form(text: &str) -> String {
    encode(text, true, |byte| {
        byte.is_ascii_alphanumeric() || b"*-._".contains(&byte)
    })
}

fn encode(text: &str, space_as_plus: bool, stays: fn(u8) -> bool) -> String {
    const HEX_DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if space_as_plus && byte == b' ' {
            out.push('+');
        } else if stays(byte) {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(HEX_DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(HEX_DIGITS[usize::from(byte & 0x0f)]));
        }
    }
    out
}

/// Form-style decoding, for query parameters: `%XX` escapes and `+` as a
/// space. A `%` not followed by two hex digits is kept as it is, and bytes
/// that are not UTF-8 become the replacement character, so reading never
/// fails.
pub(crate) fn decode_form(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut position = 0;
    while position < bytes.len() {
        let byte = bytes[position];
        let escaped = (byte == b'%')
            .then(|| text.get(position + 1..position + 3))
            .flatten()
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (byte, escaped) {
            (_, Some(decoded)) => {
                out.push(decoded);
                position += 3;
            }
            (b'+', None) => {
                out.push(b' ');
                position += 1;
            }
            (other, None) => {
                out.push(other);
                position += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::{decode_form, encode_form, encode_segment};

    #[test]
    fn a_segment_keeps_only_unreserved_characters() {
        assert_eq!(encode_segment("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(
            encode_segment("g 1/../x?y=z#w"),
            "g%201%2F..%2Fx%3Fy%3Dz%23w"
        );
        assert_eq!(encode_segment("a+b*c"), "a%2Bb%2Ac");
        assert_eq!(encode_segment("José"), "Jos%C3%A9");
        assert_eq!(encode_segment("\u{0}\u{7f}"), "%00%7F");
        assert_eq!(encode_segment(""), "");
    }

    #[test]
    fn a_form_value_is_escaped_as_browsers_escape_it() {
        assert_eq!(encode_form("a b*c-d.e_f"), "a+b*c-d.e_f");
        assert_eq!(encode_form("x~y+z&w=v"), "x%7Ey%2Bz%26w%3Dv");
        assert_eq!(
            encode_form("contact[first_name]"),
            "contact%5Bfirst_name%5D"
        );
        assert_eq!(encode_form("Müller"), "M%C3%BCller");
    }

    #[test]
    fn every_other_byte_is_two_upper_case_hex_digits() {
        for code in 0..=0x7f_u8 {
            let text = char::from(code).to_string();
            let escaped = format!("%{code:02X}");
            let segment = encode_segment(&text);
            assert!(segment == text || segment == escaped, "{segment}");
            let form = encode_form(&text);
            assert!(form == text || form == escaped || form == "+", "{form}");
        }
        let beyond_ascii: String = (0x80..=0x7ff_u32).filter_map(char::from_u32).collect();
        let expected: String = beyond_ascii
            .bytes()
            .map(|byte| format!("%{byte:02X}"))
            .collect();
        assert_eq!(encode_segment(&beyond_ascii), expected);
        assert_eq!(encode_form(&beyond_ascii), expected);
    }

    #[test]
    fn query_values_decode_and_a_stray_percent_is_kept() {
        assert_eq!(decode_form("page%5Bnumber%5D"), "page[number]");
        assert_eq!(decode_form("a+b%20c"), "a b c");
        assert_eq!(decode_form("%2b%2B"), "++");
        assert_eq!(decode_form("Jos%C3%A9"), "José");
        assert_eq!(decode_form("100%"), "100%");
        assert_eq!(decode_form("%zz%4"), "%zz%4");
        assert_eq!(decode_form("%FF"), "\u{FFFD}");
        assert_eq!(decode_form("é%41"), "éA");
    }

    #[test]
    fn what_is_encoded_decodes_back() {
        for text in [
            "",
            "plain",
            "a b+c",
            "100% sure",
            "José / Zoë",
            "x&y=z",
            "~*",
        ] {
            assert_eq!(decode_form(&encode_segment(text)), text, "{text}");
            assert_eq!(decode_form(&encode_form(text)), text, "{text}");
        }
    }
}
