//! The rules every text and link of a story keeps, submitted or corrected.

use super::Violations;

#[derive(Clone, Copy, PartialEq)]
pub(super) enum Lines {
    One,
    Many,
}

/// `raw` trimmed, with `\r\n` made `\n`; its length (in characters) and its characters
/// reported into `found` at `pointer` when they break the rules.
pub(super) fn text(
    pointer: &str,
    raw: &str,
    min: usize,
    max: usize,
    lines: Lines,
    found: &mut Violations,
) -> String {
    let tidy = raw.replace("\r\n", "\n").trim().to_owned();
    if let Some(bad) = tidy.chars().find(|&c| forbidden(c, lines)) {
        let what = if is_bidi_control(bad) {
            "bidirectional formatting characters, which can disguise text"
        } else if lines == Lines::One {
            "control characters or line breaks"
        } else {
            "control characters (but line breaks and tabs)"
        };
        found.report(
            pointer.to_owned(),
            format!("must not hold {what} (found U+{:04X})", u32::from(bad)),
        );
    }
    let length = tidy.chars().count();
    if length < min || length > max {
        found.report(
            pointer.to_owned(),
            format!(
                "must be {min} to {max} characters long (without surrounding space); it is {length}"
            ),
        );
    }
    tidy
}

fn forbidden(c: char, lines: Lines) -> bool {
    let allowed_control = lines == Lines::Many && matches!(c, '\n' | '\t');
    (c.is_control() && !allowed_control)
        || is_bidi_control(c)
        || matches!(c, '\u{2028}' | '\u{2029}')
}

/// The embeddings, overrides and isolates of Unicode's bidirectional algorithm (and the
/// marks), which can make text read differently from what it holds ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Whether `link` is an absolute `http`/`https` URL of a public host name, without
/// credentials. IP addresses and single-label hosts (`localhost`, `intranet`) are refused:
/// a published link points at the public web.
pub(super) fn public_link(link: &str) -> Result<(), &'static str> {
    if link.len() > 2_000 {
        return Err("must be at most 2000 characters long");
    }
    let url = url::Url::parse(link).map_err(|_| "is not an absolute URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("must be an http or https URL");
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry a user name or password");
    }
    match url.host() {
        Some(url::Host::Domain(host)) if host.contains('.') && !host.ends_with(".localhost") => {
            Ok(())
        }
        Some(url::Host::Domain(_)) => Err("must name a public host, not a local one"),
        Some(_) => Err("must name a host, not an IP address"),
        None => Err("must name a host"),
    }
}
