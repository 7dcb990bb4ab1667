//! The model file's checksum (format version 2 and later): CRC-32 of the JSON header and of
//! every tensor, stored as the header's last member, `"checksum":"crc32:<8 lowercase hex>"`.
//!
//! The writer serializes the header, computes the CRC of that text and the tensors, and inserts
//! the member before the closing brace; the reader finds the member at the end of the stored
//! text, takes it out (which gives back the exact text that was summed) and compares before it
//! parses anything. The checksum lives inside the `neurona` metadata value rather than under a
//! second metadata key because safetensors keeps its metadata in a `HashMap`, which serializes
//! two keys in an order that changes from map to map: the same model would not give the same
//! bytes twice.
//!
//! CRC-32 detects every error confined to 32 consecutive bits of what it sums (so every
//! single flipped bit) and all but one in 2^32 of other random damage. It guards against
//! accidental corruption (a bad disk, a truncated copy, a transfer that changed bytes), not
//! against tampering: anyone who edits a file can recompute it.

use safetensors::SafeTensors;
use safetensors::tensor::Dtype;

/// The member's text up to its digits; the digits and `"}` follow.
const MEMBER: &str = ",\"checksum\":\"crc32:";

/// The hexadecimal digits of a CRC-32.
const DIGITS: usize = 8;

/// The JSON name of the member, to tell a damaged checksum from none at all.
pub(super) const FIELD: &str = "checksum";

/// A tensor as the checksum sees it: name, type, shape and little-endian bytes.
pub(super) type TensorParts<'a> = (&'a str, Dtype, Vec<usize>, &'a [u8]);

/// CRC-32 of the header text and the tensors, taken in the order of their names. Every
/// variable-length part is preceded by its length, so that no two different files sum the
/// same sequence of bytes.
pub(super) fn crc32<'a>(header: &str, tensors: impl IntoIterator<Item = TensorParts<'a>>) -> u32 {
    let mut tensors: Vec<TensorParts<'a>> = tensors.into_iter().collect();
    tensors.sort_by(|a, b| a.0.cmp(b.0));
    let mut hasher = crc32fast::Hasher::new();
    let mut text = |bytes: &[u8]| {
        hasher.update(&(bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    };
    text(header.as_bytes());
    for (name, dtype, shape, data) in tensors {
        text(name.as_bytes());
        text(dtype.to_string().as_bytes());
        let dims: Vec<u8> = shape.iter().flat_map(|&d| (d as u64).to_le_bytes()).collect();
        text(&dims);
        text(data);
    }
    hasher.finalize()
}

/// The tensors of an opened file, for [`crc32`].
pub(super) fn parts<'a>(tensors: &'a SafeTensors<'_>) -> Vec<TensorParts<'a>> {
    tensors.iter().map(|(name, view)| (name, view.dtype(), view.shape().to_vec(), view.data())).collect()
}

/// The header text with the checksum member added; `header` is a serialized JSON object with
/// at least one member.
pub(super) fn append(header: &str, crc: u32) -> String {
    let body = header.strip_suffix('}').unwrap_or(header);
    format!("{body}{MEMBER}{crc:0width$x}\"}}", width = DIGITS)
}

/// The header as it was summed and the checksum it carries, or `None` when the stored text does
/// not end with a well-formed checksum member (a version-1 file, or a damaged member).
pub(super) fn split(stored: &str) -> Option<(String, u32)> {
    let body = stored.strip_suffix("\"}")?;
    let digits = body.get(body.len().checked_sub(DIGITS)?..)?;
    // Lowercase only: an uppercase digit is one flipped bit away from its lowercase twin and
    // would read as the same number.
    if !digits.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
        return None;
    }
    let crc = u32::from_str_radix(digits, 16).ok()?;
    let header = body[..body.len() - DIGITS].strip_suffix(MEMBER)?;
    Some((format!("{header}}}"), crc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appending_and_splitting_give_back_the_header_and_the_sum() {
        let header = r#"{"dtype":"float64","format_version":2}"#;
        let sealed = append(header, 0x0a1b_2c3d);
        assert_eq!(sealed, r#"{"dtype":"float64","format_version":2,"checksum":"crc32:0a1b2c3d"}"#);
        assert_eq!(split(&sealed), Some((header.to_owned(), 0x0a1b_2c3d)));
        assert_eq!(split(header), None, "a version-1 header carries no checksum");
        assert_eq!(split(&sealed.replace("0a1b", "0A1b")), None, "uppercase digits are damage");
        assert_eq!(split(&sealed.replace("crc32", "crc33")), None);
        assert_eq!(split(""), None);
        assert_eq!(split("\"}"), None);
    }

    #[test]
    fn every_part_of_a_tensor_is_summed() {
        let data = [1u8, 2, 3, 4, 5, 6, 7, 8];
        let sum =
            |name: &str, dtype: Dtype, shape: &[usize], data: &[u8]| crc32("{}", [(name, dtype, shape.to_vec(), data)]);
        let base = sum("a", Dtype::F64, &[1], &data);
        assert_ne!(base, sum("b", Dtype::F64, &[1], &data));
        assert_ne!(base, sum("a", Dtype::U64, &[1], &data));
        assert_ne!(base, sum("a", Dtype::F64, &[1, 1], &data));
        assert_ne!(base, sum("a", Dtype::F64, &[1], &[1, 2, 3, 4, 5, 6, 7, 9]));
        assert_ne!(base, crc32("{ }", [("a", Dtype::F64, vec![1], &data[..])]));
        // The order of the tensors is their names', not the caller's.
        let x = || ("x", Dtype::U8, vec![1], &[1u8][..]);
        let y = || ("y", Dtype::U8, vec![1], &[2u8][..]);
        assert_eq!(crc32("{}", [x(), y()]), crc32("{}", [y(), x()]));
    }

    #[test]
    fn no_single_flipped_bit_turns_the_version_into_1() {
        // A file of version 1 is read without a checksum. The version's digit is summed, so a
        // flip there fails the checksum; and since no flip turns it into "1", a flip cannot
        // make a version-2 file pass as one of version 1 either.
        let digit = super::super::FORMAT_VERSION.to_string();
        assert_eq!(digit.len(), 1);
        for bit in 0..8 {
            assert_ne!(digit.as_bytes()[0] ^ (1 << bit), b'1', "bit {bit}");
        }
    }
}
