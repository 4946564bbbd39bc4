//! Endpoints as operators write them: a name server list
//! (`host:port;host:port`) or an ApsaraMQ instance endpoint
//! (`http://MQ_INST_xxx_yyy.mq-internet.region.aliyuncs.com:80`), whose
//! instance id becomes the namespace as the official clients do.

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
    if let Some(rest) = text
        .strip_prefix("http://")
        .or_else(|| text.strip_prefix("https://"))
    {
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
            "`{text}`: only http:// instance endpoints or host:port name server lists are supported"
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

fn split_host_port(text: &str, default_port: u16) -> Result<(&str, u16), EndpointError> {
    let (host, port) = match text.rsplit_once(':') {
        Some((h, p)) => {
            let port = p.parse::<u16>().map_err(|_| {
                EndpointError(format!(
                    "`{text}`: port `{p}` is not a number from 1 to 65535"
                ))
            })?;
            if port == 0 {
                return Err(EndpointError(format!("`{text}`: port 0 is not allowed")));
            }
            (h, port)
        }
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
    }
}
