//! Request metadata: header access for verifiers, the headers kept with the record, and trace context.

use axum::http::HeaderMap;
use chatstream_platforms::RequestMeta;
use std::borrow::Cow;

/// Headers and query of one webhook request.
pub struct Meta<'a> {
    pub headers: &'a HeaderMap,
    pub query: Option<&'a str>,
}

impl RequestMeta for Meta<'_> {
    fn header(&self, name: &str) -> Option<&[u8]> {
        self.headers.get(name).map(|v| v.as_bytes())
    }

    fn query_param(&self, name: &str) -> Option<Cow<'_, str>> {
        let query = self.query?;
        query.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k) == name).then(|| Cow::Owned(percent_decode(v)))
        })
    }
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && bytes[i + 1].is_ascii_hexdigit() && bytes[i + 2].is_ascii_hexdigit() => {
                let hex = [bytes[i + 1], bytes[i + 2]];
                out.push(u8::from_str_radix(std::str::from_utf8(&hex).unwrap_or("00"), 16).unwrap_or(0));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Request headers stored with every record (lower-case). Credentials are never on this list.
pub const KEPT_HEADERS: &[&str] = &[
    "content-type",
    "user-agent",
    "traceparent",
    "x-chatwoot-delivery",
    "x-chatwoot-timestamp",
    "x-chatwoot-signature",
    "x-freshchat-signature",
    "x-freshchat-payload-version",
    "x-retry-count",
];

/// The kept headers present on the request, except `excluded` (a source's token header).
pub fn kept_headers(headers: &HeaderMap, excluded: Option<&str>) -> Vec<(String, String)> {
    KEPT_HEADERS
        .iter()
        .filter(|name| Some(**name) != excluded)
        .filter_map(|name| {
            let v = headers.get(*name)?.to_str().ok()?;
            Some(((*name).to_string(), v.chars().take(1024).collect()))
        })
        .collect()
}

/// The request's W3C `traceparent` if valid, else a new one rooted here.
pub fn traceparent(headers: &HeaderMap) -> String {
    if let Some(tp) = headers.get("traceparent").and_then(|v| v.to_str().ok()) {
        let parts: Vec<&str> = tp.split('-').collect();
        // W3C trace context: version ff is invalid, and so are all-zero trace and parent ids.
        let all_zero = |p: &str| p.bytes().all(|b| b == b'0');
        if parts.len() == 4
            && parts[0].len() == 2
            && !parts[0].eq_ignore_ascii_case("ff")
            && parts[1].len() == 32
            && !all_zero(parts[1])
            && parts[2].len() == 16
            && !all_zero(parts[2])
            && parts[3].len() == 2
            && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            return tp.to_ascii_lowercase();
        }
    }
    let trace: u128 = rand::random::<u128>() | 1;
    let span: u64 = rand::random::<u64>() | 1;
    format!("00-{trace:032x}-{span:016x}-01")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_params_are_decoded() {
        let h = HeaderMap::new();
        let m = Meta { headers: &h, query: Some("a=1&token=s%2Fx+y&b") };
        assert_eq!(m.query_param("token").as_deref(), Some("s/x y"));
        assert_eq!(m.query_param("b").as_deref(), Some(""));
        assert_eq!(m.query_param("c"), None);
        let m = Meta { headers: &h, query: Some("token=%zz%") };
        assert_eq!(m.query_param("token").as_deref(), Some("%zz%"));
        let m = Meta { headers: &h, query: Some("token=%+1a") };
        assert_eq!(m.query_param("token").as_deref(), Some("% 1a"));
    }

    #[test]
    fn traceparent_is_kept_or_made() {
        let mut h = HeaderMap::new();
        let made = traceparent(&h);
        assert_eq!(made.len(), 55);
        h.insert("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01".parse().unwrap());
        assert_eq!(traceparent(&h), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        for bad in [
            "garbage",
            "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        ] {
            h.insert("traceparent", bad.parse().unwrap());
            assert_ne!(traceparent(&h), bad);
        }
    }

    #[test]
    fn token_header_is_never_kept() {
        let mut h = HeaderMap::new();
        h.insert("content-type", "application/json".parse().unwrap());
        h.insert("x-retry-count", "2".parse().unwrap());
        h.insert("authorization", "Bearer x".parse().unwrap());
        let kept = kept_headers(&h, Some("x-retry-count"));
        assert_eq!(kept, vec![("content-type".to_string(), "application/json".to_string())]);
    }
}
