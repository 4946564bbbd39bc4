//! Endpoints as operators write them: a name server list
//! (`host:port;host:port`) or an ApsaraMQ instance endpoint
//! (`http://MQ_INST_xxx_yyy.mq-internet.region.aliyuncs.com:80`), whose
//! instance id becomes the namespace as the official clients do.
//! IPv6 literals are written in brackets (`[::1]:9876`). Credentials never
//! belong here: an endpoint with user info (`http://user:secret@host`) is
//! refused, and no message repeats what stood before the `@`.

use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// `host:port;host:port`, no scheme: what the client library dials.
    pub name_servers: String,
    /// The instance id of an ApsaraMQ instance endpoint.
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError(pub String);

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for EndpointError {}

const INSTANCE_PREFIX: &str = "MQ_INST_";

/// Parses and checks an endpoint; the error says what is wrong with it.
pub fn parse(text: &str) -> Result<Endpoint, EndpointError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(EndpointError("endpoint is empty".into()));
    }
    if text.contains('@') {
        return Err(EndpointError(format!(
            "`{}`: user info in an endpoint is not used and not kept (it is not shown); \
             credentials come from the profile's access-key-env and secret-key-env",
            redact(text)
        )));
    }
    if text.starts_with("https://") {
        // The client speaks the remoting protocol in clear: dialling an
        // https endpoint on port 80 would send in clear what the operator
        // meant to protect.
        return Err(EndpointError(format!(
            "`{}`: TLS is not supported by this client; use the instance's http:// endpoint",
            redact(text)
        )));
    }
    if let Some(rest) = text.strip_prefix("http://") {
        let authority = rest.trim_end_matches('/');
        let (host, port) = split_host_port(authority, 80)?;
        let first = host.split('.').next().unwrap_or_default();
        let namespace = first
            .starts_with(INSTANCE_PREFIX)
            .then(|| first.to_string());
        return Ok(Endpoint {
            name_servers: format!("{host}:{port}"),
            namespace,
        });
    }
    if text.contains("://") {
        return Err(EndpointError(format!(
            "`{}`: unknown scheme; only http:// instance endpoints or host:port name server lists are supported",
            redact(text)
        )));
    }
    let mut servers = Vec::new();
    for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        let (host, port) = split_host_port(part, 0)?;
        if port == 0 {
            return Err(EndpointError(format!(
                "`{part}`: name server needs a port (host:port)"
            )));
        }
        servers.push(format!("{host}:{port}"));
    }
    if servers.is_empty() {
        return Err(EndpointError("endpoint names no name server".into()));
    }
    Ok(Endpoint {
        name_servers: servers.join(";"),
        namespace: None,
    })
}

/// `text` with whatever stands between a scheme (or the start) and an `@`
/// replaced by `***`, for messages.
pub fn redact(text: &str) -> String {
    let Some(at) = text.rfind('@') else {
        return text.to_string();
    };
    let start = text[..at].find("://").map_or(0, |i| i + 3);
    format!("{}***{}", &text[..start], &text[at..])
}

fn split_host_port(text: &str, default_port: u16) -> Result<(&str, u16), EndpointError> {
    // `[v6]:port` or `[v6]`: the brackets keep the address's colons apart
    // from the port's.
    if let Some(rest) = text.strip_prefix('[') {
        let Some((addr, after)) = rest.split_once(']') else {
            return Err(EndpointError(format!("`{text}`: `[` without its `]`")));
        };
        if addr.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(EndpointError(format!(
                "`{text}`: `{addr}` in brackets is not an IPv6 address"
            )));
        }
        let port = match after.strip_prefix(':') {
            Some(p) => parse_port(text, p)?,
            None if after.is_empty() => default_port,
            None => {
                return Err(EndpointError(format!(
                    "`{text}`: expected `:port` after `]`"
                )));
            }
        };
        return Ok((&text[..addr.len() + 2], port));
    }
    if text.matches(':').count() > 1 {
        return Err(EndpointError(format!(
            "`{text}`: looks like an IPv6 address; write it in brackets with its port, e.g. [::1]:9876"
        )));
    }
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => (h, parse_port(text, p)?),
        None => (text, default_port),
    };
    let valid = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    if !valid {
        return Err(EndpointError(format!(
            "`{text}`: `{host}` is not a host name or IPv4 address"
        )));
    }
    Ok((host, port))
}

fn parse_port(text: &str, p: &str) -> Result<u16, EndpointError> {
    let port = p.parse::<u16>().map_err(|_| {
        EndpointError(format!(
            "`{text}`: port `{p}` is not a number from 1 to 65535"
        ))
    })?;
    if port == 0 {
        return Err(EndpointError(format!("`{text}`: port 0 is not allowed")));
    }
    Ok(port)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn name_server_lists() {
        let e = parse("127.0.0.1:9876; 10.0.0.2:9876").unwrap();
        assert_eq!(e.name_servers, "127.0.0.1:9876;10.0.0.2:9876");
        assert_eq!(e.namespace, None);
    }

    #[test]
    fn instance_endpoint_gives_namespace() {
        let e =
            parse("http://MQ_INST_1234_BXhFHXzs.mq-internet.cn-hangzhou.aliyuncs.com:80").unwrap();
        assert_eq!(e.namespace.as_deref(), Some("MQ_INST_1234_BXhFHXzs"));
        assert_eq!(
            e.name_servers,
            "MQ_INST_1234_BXhFHXzs.mq-internet.cn-hangzhou.aliyuncs.com:80"
        );
        let plain = parse("http://nameserver.example.com").unwrap();
        assert_eq!(plain.name_servers, "nameserver.example.com:80");
        assert_eq!(plain.namespace, None);
    }

    #[test]
    fn malformed_endpoints_say_why() {
        assert_eq!(parse("").unwrap_err().0, "endpoint is empty");
        assert_eq!(
            parse("localhost").unwrap_err().0,
            "`localhost`: name server needs a port (host:port)"
        );
        assert_eq!(
            parse("127.0.0.1:98x").unwrap_err().0,
            "`127.0.0.1:98x`: port `98x` is not a number from 1 to 65535"
        );
        assert!(parse("tcp://x:1").unwrap_err().0.contains("only http://"));
        assert!(
            parse("https://MQ_INST_1_a.example.com")
                .unwrap_err()
                .0
                .contains("TLS is not supported")
        );
    }

    #[test]
    fn user_info_is_refused_and_never_shown() {
        for (text, shown) in [
            ("http://alice:s3cret-Pw@host:80", "`http://***@host:80`"),
            (
                "https://AKID:s3cret-Pw@MQ_INST_1_a.example.com",
                "`https://***@MQ_INST_1_a.example.com`",
            ),
            ("AKID:s3cret-Pw@127.0.0.1:9876", "`***@127.0.0.1:9876`"),
            ("tcp://u:s3cret-Pw@x:1", "`tcp://***@x:1`"),
            ("http://a@b:s3cret-Pw@host", "`http://***@host`"),
        ] {
            let e = parse(text).unwrap_err().0;
            assert!(e.starts_with(shown), "{text}: {e}");
            assert!(
                !e.contains("s3cret") && !e.contains("AKID") && !e.contains("alice"),
                "{e}"
            );
        }
    }

    #[test]
    fn unknown_schemes_and_ipv6_literals() {
        let e = parse("rocketmq://127.0.0.1:9876").unwrap_err().0;
        assert!(e.contains("unknown scheme"), "{e}");
        let e = parse("::1:9876").unwrap_err().0;
        assert!(e.contains("write it in brackets"), "{e}");
        let ok = parse("[::1]:9876;127.0.0.1:9877").unwrap();
        assert_eq!(ok.name_servers, "[::1]:9876;127.0.0.1:9877");
        let ok = parse("http://[fe80::1]:8080").unwrap();
        assert_eq!(ok.name_servers, "[fe80::1]:8080");
        assert!(parse("[::1]").unwrap_err().0.contains("needs a port"));
        assert!(
            parse("[::zz]:1")
                .unwrap_err()
                .0
                .contains("not an IPv6 address")
        );
        assert!(parse("[::1:1").unwrap_err().0.contains("without its `]`"));
        assert!(parse("[::1]x").unwrap_err().0.contains("expected `:port`"));
    }
}
