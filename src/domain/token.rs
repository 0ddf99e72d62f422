//! Admin bearer tokens: made at random, kept only as a hash, compared in constant time.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The author of the revisions the bundled content makes when it fills a new database.
pub const BUNDLED_AUTHOR: &str = "bundled";
/// The author of the revisions `roadmap-api import` makes.
pub const CLI_AUTHOR: &str = "cli";
/// Authors the service writes as itself: no token may take these names, or its writes would
/// pass for the system's in the public revision history.
pub const RESERVED_NAMES: [&str; 2] = [BUNDLED_AUTHOR, CLI_AUTHOR];

/// Tokens start with this, so that a leaked one is recognisable (secret scanners, logs).
const PREFIX: &str = "rmapi_";

/// A new token of 256 random bits.
pub fn new_token() -> Result<String, getrandom::Error> {
    let mut bytes = [0_u8; 32];
    getrandom::fill(&mut bytes)?;
    Ok(format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(bytes)))
}

/// The stored form of a token: its SHA-256, in hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The name of the stored token that `presented` is, comparing every stored hash in
/// constant time so that timing reveals nothing about how close a guess came.
pub fn find_token<'a>(presented: &str, stored: &'a [(String, String)]) -> Option<&'a str> {
    let hash = hash_token(presented);
    let mut found = None;
    for (name, stored_hash) in stored {
        if bool::from(hash.as_bytes().ct_eq(stored_hash.as_bytes())) {
            found = Some(name.as_str());
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_found_only_by_themselves() {
        let a = new_token().expect("random");
        let b = new_token().expect("random");
        assert_ne!(a, b);
        assert!(a.starts_with(PREFIX) && a.len() >= PREFIX.len() + 43, "{a}");
        let stored = vec![
            ("alice".to_owned(), hash_token(&a)),
            ("bob".to_owned(), hash_token(&b)),
        ];
        assert_eq!(find_token(&a, &stored), Some("alice"));
        assert_eq!(find_token(&b, &stored), Some("bob"));
        assert_eq!(find_token("rmapi_guess", &stored), None);
        assert_eq!(
            find_token(&stored[0].1, &stored),
            None,
            "the hash is not the token"
        );
    }
}
