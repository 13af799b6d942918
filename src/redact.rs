//! Credentials never reach a log line, whatever the level (`--log trace` included).
//!
//! The AWS SDK, smithy and hyper log requests at `debug`/`trace` with their headers (`authorization`,
//! `x-amz-security-token`), the canonical request and the resolved identity (`access_key_id`). Rather than
//! filter the log sites known today, every formatted event passes through [`Redacting`], a writer that holds
//! the event's bytes and writes them only after [`scrub`]:
//! 1. every value [`register`]ed (the access key id, secret key and session token from the environment and
//!    from each credential chain `cloud::connect` resolved) is replaced by `[redacted]` wherever it appears;
//! 2. the value after `authorization` (to the end of the quoted string or line), and after any of
//!    `x-amz-security-token`, `session_token`, `secret_access_key`, `secret_key`, `access_key_id` (with `_`,
//!    `-` or nothing between the words, any case, as a Rust field, JSON key, XML tag, header or query
//!    parameter) and SigV4's `Credential=` and `Signature=`, is replaced by `[redacted]`, so a credential
//!    the tool never saw (a refreshed role session) is hidden too.

use std::io::Write;
use std::sync::{LazyLock, RwLock};

use regex::Regex;
use tracing_subscriber::fmt::MakeWriter;

/// What replaces a secret.
pub const REDACTED: &str = "[redacted]";

/// Values shorter than this are not registered (they would match everywhere and hide nothing real).
pub const MIN_SECRET_LEN: usize = 4;

static SECRETS: RwLock<Vec<String>> = RwLock::new(Vec::new());

/// Between a key and its value: a `:`, `=` or `>` (or `", ` after a quoted key, as in a debug-printed tuple),
/// with quotes, spaces, brackets, and the wrappers of `HeaderValue`/`Sensitive` debug output around it.
const AFTER_KEY: &str = r#"\b(?:["'\s{]*[:=>]|["']\s*,)(?:["'\s:(\[{]|HeaderValue|_private|H0|Some|Sensitive)*"#;

static AUTHORIZATION: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r#"(?i)(\b(?:proxy-)?authorization{AFTER_KEY})[^"'\r\n]+"#)).expect("valid regex")
});

static CREDENTIAL_FIELD: LazyLock<Regex> = LazyLock::new(|| {
    let keys = r"x[-_]?amz[-_]?security[-_]?token|security[-_]?token|session[-_]?token|secret[-_]?access[-_]?key|secret[-_]?key|access[-_]?key[-_]?id|x[-_]?amz[-_]?credential|credential|signature";
    Regex::new(&format!(r#"(?i)(\b(?:aws[-_]?)?(?:{keys}){AFTER_KEY})[^"'\s,&<>)}}\]]+"#)).expect("valid regex")
});

/// Add a secret value to hide from every later log line. Values under [`MIN_SECRET_LEN`] bytes are ignored.
pub fn register(secret: &str) {
    let secret = secret.trim();
    if secret.len() < MIN_SECRET_LEN {
        return;
    }
    let mut s = SECRETS.write().unwrap_or_else(|e| e.into_inner());
    if !s.iter().any(|known| known == secret) {
        s.push(secret.to_string());
        // Longest first, so a secret that contains another is replaced whole.
        s.sort_by_key(|v| std::cmp::Reverse(v.len()));
    }
}

/// Register the standard environment's credentials (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
/// `AWS_SESSION_TOKEN`), before anything can log them.
pub fn register_environment() {
    for var in ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"] {
        if let Ok(v) = std::env::var(var) {
            register(&v);
        }
    }
}

/// `text` with every registered secret and every credential-bearing field's value replaced by [`REDACTED`].
pub fn scrub(text: &str) -> String {
    let out = AUTHORIZATION.replace_all(text, format!("${{1}}{REDACTED}"));
    let mut out = CREDENTIAL_FIELD.replace_all(&out, format!("${{1}}{REDACTED}")).into_owned();
    for secret in SECRETS.read().unwrap_or_else(|e| e.into_inner()).iter() {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), REDACTED);
        }
    }
    out
}

/// A [`MakeWriter`] whose writers hold one event's bytes and hand them, scrubbed, to `inner` when dropped.
#[derive(Debug)]
pub struct Redacting<M>(pub M);

/// One event's writer (see [`Redacting`]).
pub struct Scrubbed<W: Write> {
    inner: W,
    buf: Vec<u8>,
}

impl<'a, M: MakeWriter<'a>> MakeWriter<'a> for Redacting<M> {
    type Writer = Scrubbed<M::Writer>;

    fn make_writer(&'a self) -> Self::Writer {
        Scrubbed { inner: self.0.make_writer(), buf: Vec::new() }
    }
}

impl<W: Write> Write for Scrubbed<W> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<W: Write> Drop for Scrubbed<W> {
    fn drop(&mut self) {
        if self.buf.is_empty() {
            return;
        }
        let clean = scrub(&String::from_utf8_lossy(&self.buf));
        let _ = self.inner.write_all(clean.as_bytes());
        let _ = self.inner.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_fields_are_redacted_in_every_shape() {
        let cases = [
            (
                r#""authorization": HeaderValue { _private: H0("AWS4-HMAC-SHA256 Credential=AKIA1/x, Signature=ab") }"#,
                "AKIA1",
            ),
            ("authorization: Bearer abc.def", "abc.def"),
            ("x-amz-security-token:FwoGZXIvYXdz+/=", "FwoGZXIvYXdz"),
            (r#""x-amz-security-token": HeaderValue { _private: H0("FwoTOKEN") }"#, "FwoTOKEN"),
            ("X-Amz-Security-Token=FwoQUERY&X-Amz-Date=1", "FwoQUERY"),
            (r#"Credentials { access_key_id: "AKIAFIELD", secret_access_key: "hush" }"#, "AKIAFIELD"),
            (r#"{"AccessKeyId":"ASIAJSON","SecretAccessKey":"sk","SessionToken":"stJSON"}"#, "ASIAJSON"),
            (r#"{"AccessKeyId":"ASIAJSON","SecretAccessKey":"skJSON","SessionToken":"stJSON"}"#, "skJSON"),
            (r#"{"AccessKeyId":"ASIAJSON","SecretAccessKey":"skJSON","SessionToken":"stJSON"}"#, "stJSON"),
            ("<SessionToken>stXML</SessionToken>\n<Expiration>", "stXML"),
            ("aws_secret_access_key = skINI", "skINI"),
            ("session_token: Some(Sensitive(\"stDEBUG\"))", "stDEBUG"),
        ];
        for (line, secret) in cases {
            let clean = scrub(line);
            assert!(!clean.contains(secret), "{secret} left in {clean:?}");
            assert!(clean.contains(REDACTED), "{clean:?}");
        }
        // Prose and ordinary fields are left alone.
        for line in ["no credentials found in profile x", "DescribeProject alpha: 200", "tokens: 3 pages"] {
            assert_eq!(scrub(line), line);
        }
    }

    #[test]
    fn registered_values_are_redacted_anywhere() {
        register("zzRegisteredSecret42");
        register("ab"); // too short to register
        assert_eq!(scrub("x zzRegisteredSecret42y ab"), format!("x {REDACTED}y ab"));
    }

    #[test]
    fn the_writer_scrubs_whole_events() {
        use std::sync::{Arc, Mutex};
        #[derive(Clone, Default)]
        struct Sink(Arc<Mutex<Vec<u8>>>);
        impl Write for Sink {
            fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
                self.0.lock().unwrap().extend_from_slice(b);
                Ok(b.len())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let sink = Sink::default();
        let writer = {
            let sink = sink.clone();
            Redacting(move || sink.clone())
        };
        let subscriber = tracing_subscriber::fmt().with_writer(writer).with_ansi(false).finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(headers = ?[("x-amz-security-token", "FwoEVENT")], "sent");
        });
        let text = String::from_utf8(sink.0.lock().unwrap().clone()).unwrap();
        assert!(text.contains("sent") && !text.contains("FwoEVENT"), "{text}");
    }
}
