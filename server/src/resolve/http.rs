//! The one way chainwarden speaks HTTP: every request of the online features goes through
//! [`Http::get`], which binds a credential to the origin (scheme, host, port) it belongs to and
//! follows redirects itself, so a credential never reaches another host — not even after a
//! redirect from the right one (SPEC §7.10).

use std::time::Duration;
use ureq::http::Uri;

/// How many redirects a request follows.
const MAX_REDIRECTS: usize = 3;

/// `scheme://host:port`, lower-cased, with the scheme's default port filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Origin(String);

impl Origin {
    /// The origin of an absolute `http`/`https` URL; `None` for anything else.
    pub fn of(url: &str) -> Option<Origin> {
        let uri: Uri = url.parse().ok()?;
        let scheme = uri.scheme_str()?.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "https" => 443,
            "http" => 80,
            _ => return None,
        };
        let host = uri.host()?.to_ascii_lowercase();
        let port = uri.port_u16().unwrap_or(default_port);
        Some(Origin(format!("{scheme}://{host}:{port}")))
    }

    pub fn host(&self) -> &str {
        let rest = self.0.split_once("://").map_or("", |(_, r)| r);
        rest.rsplit_once(':').map_or(rest, |(h, _)| h)
    }
}

/// A header value (e.g. `Bearer …`) that may be sent to one origin only. Its `Debug` never
/// shows the value.
#[derive(Clone)]
pub struct Credential {
    origin: Origin,
    header: String,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Credential({}, <hidden>)", self.origin.0)
    }
}

impl Credential {
    /// A credential for the origin of `url`; `None` when the URL has no usable origin.
    pub fn for_url(url: &str, header: String) -> Option<Credential> {
        Some(Credential {
            origin: Origin::of(url)?,
            header,
        })
    }

    fn applies_to(&self, url: &str) -> bool {
        Origin::of(url).as_ref() == Some(&self.origin)
    }
}

/// An HTTP client with timeouts and no automatic redirects.
pub struct Http {
    agent: ureq::Agent,
}

impl Http {
    pub fn new(timeout: Duration) -> Http {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_connect(Some(timeout))
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            // Redirects are followed by `get`, which decides where the credential may go.
            .max_redirects(0)
            .user_agent(concat!("chainwarden/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Http { agent }
    }

    /// `GET url` with `headers`; the credential goes as `Authorization` to its own origin only.
    /// Redirects (up to three) are followed; a hop to another origin goes without it.
    pub fn get(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        credential: Option<&Credential>,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        let mut url = url.to_string();
        let mut hops = 0;
        loop {
            let mut req = self.agent.get(&url);
            for (name, value) in headers {
                req = req.header(*name, *value);
            }
            if let Some(c) = credential.filter(|c| c.applies_to(&url)) {
                req = req.header("Authorization", &c.header);
            }
            let resp = req.call()?;
            let status = resp.status().as_u16();
            if !matches!(status, 301 | 302 | 303 | 307 | 308) || hops == MAX_REDIRECTS {
                return Ok(resp);
            }
            let next = resp
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .and_then(|l| join(&url, l));
            match next {
                Some(next) => url = next,
                None => return Ok(resp),
            }
            hops += 1;
        }
    }
}

impl Http {
    /// `POST url` with a JSON body, no credential (the online features that post — OSV — take
    /// none). Redirects are not followed: a redirect is returned as the answer.
    pub fn post_json(
        &self,
        url: &str,
        body: &str,
    ) -> Result<ureq::http::Response<ureq::Body>, ureq::Error> {
        self.agent
            .post(url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json")
            .send(body)
    }
}

/// Resolve a `Location` header against the URL that answered with it.
fn join(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if Origin::of(location).is_some() {
        return Some(location.to_string());
    }
    let uri: Uri = base.parse().ok()?;
    let authority = uri.authority()?.as_str();
    let scheme = uri.scheme_str()?;
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{scheme}://{rest}"));
    }
    if location.starts_with('/') {
        return Some(format!("{scheme}://{authority}{location}"));
    }
    // A relative path: replace the last segment of the base path.
    let path = uri.path();
    let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
    Some(format!("{scheme}://{authority}{dir}/{location}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;
    use std::sync::mpsc;

    /// A 127.0.0.1 server answering every request with `reply(base)`; request heads go down
    /// the channel, lower-cased.
    fn server(reply: impl Fn(&str) -> String + Send + 'static) -> (String, mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (tx, rx) = mpsc::channel();
        let me = base.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut head = String::new();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line.trim().is_empty() {
                        break;
                    }
                    head.push_str(&line.to_ascii_lowercase());
                }
                let _ = tx.send(head);
                let _ = stream.write_all(reply(&me).as_bytes());
            }
        });
        (base, rx)
    }

    fn ok() -> String {
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok".into()
    }

    fn redirect(to: &str) -> String {
        format!("HTTP/1.1 302 Found\r\nLocation: {to}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    }

    #[test]
    fn origins_fill_default_ports_and_ignore_case() {
        assert_eq!(
            Origin::of("https://API.github.com/repos"),
            Origin::of("https://api.github.com:443/x")
        );
        assert_ne!(
            Origin::of("http://api.github.com/"),
            Origin::of("https://api.github.com/")
        );
        assert_ne!(
            Origin::of("http://127.0.0.1:1/"),
            Origin::of("http://127.0.0.1:2/")
        );
        assert_eq!(Origin::of("ftp://x/"), None);
        assert_eq!(Origin::of("/relative"), None);
        assert_eq!(
            Origin::of("https://api.github.com/").unwrap().host(),
            "api.github.com"
        );
    }

    #[test]
    fn a_redirect_to_another_host_drops_the_credential() {
        let (other, other_rx) = server(|_| ok());
        let target = format!("{other}/elsewhere");
        let (home, home_rx) = server(move |_| redirect(&target));
        let http = Http::new(Duration::from_secs(2));
        let cred = Credential::for_url(&home, "Bearer s3cret".into()).unwrap();
        let resp = http
            .get(&format!("{home}/start"), &[], Some(&cred))
            .unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        assert!(home_rx
            .recv()
            .unwrap()
            .contains("authorization: bearer s3cret"));
        let there = other_rx.recv().unwrap();
        assert!(there.starts_with("get /elsewhere "), "{there}");
        assert!(!there.contains("authorization"), "{there}");
        assert!(!format!("{cred:?}").contains("s3cret"));
    }

    #[test]
    fn a_redirect_on_the_same_origin_keeps_it() {
        let http = Http::new(Duration::from_secs(2));
        let (hop, hop_rx) = server({
            let seen = std::sync::atomic::AtomicUsize::new(0);
            move |_| {
                if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
                    redirect("/moved")
                } else {
                    ok()
                }
            }
        });
        let cred = Credential::for_url(&hop, "Bearer s3cret".into()).unwrap();
        let resp = http.get(&format!("{hop}/a"), &[], Some(&cred)).unwrap();
        assert_eq!(resp.status().as_u16(), 200);
        hop_rx.recv().unwrap();
        let second = hop_rx.recv().unwrap();
        assert!(second.starts_with("get /moved "), "{second}");
        assert!(second.contains("authorization: bearer s3cret"), "{second}");
    }

    #[test]
    fn a_credential_for_another_origin_is_not_sent() {
        let (home, rx) = server(|_| ok());
        let http = Http::new(Duration::from_secs(2));
        let cred = Credential::for_url("https://api.github.com", "Bearer s3cret".into()).unwrap();
        http.get(&format!("{home}/x"), &[], Some(&cred)).unwrap();
        assert!(!rx.recv().unwrap().contains("authorization"));
    }

    #[test]
    fn redirect_loops_end() {
        let (home, rx) = server(|base| redirect(&format!("{base}/again")));
        let http = Http::new(Duration::from_secs(2));
        let resp = http.get(&format!("{home}/x"), &[], None).unwrap();
        assert_eq!(resp.status().as_u16(), 302);
        assert_eq!(rx.try_iter().count(), MAX_REDIRECTS + 1);
    }

    #[test]
    fn locations_resolve_against_the_base() {
        let base = "http://h:8/a/b?q=1";
        assert_eq!(join(base, "/c").as_deref(), Some("http://h:8/c"));
        assert_eq!(join(base, "c").as_deref(), Some("http://h:8/a/c"));
        assert_eq!(join(base, "//o:9/p").as_deref(), Some("http://o:9/p"));
        assert_eq!(join(base, "https://x/y").as_deref(), Some("https://x/y"));
    }
}
