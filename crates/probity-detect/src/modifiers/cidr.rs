//! `cidr`: an IP address inside a network.

use std::net::IpAddr;

use ipnet::IpNet;

/// Reads a network (`10.0.0.0/8`, `fe80::/10`, or one address).
pub(crate) fn parse(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    if let Ok(net) = text.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    text.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("{text:?} is not a network in CIDR form"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn networks() {
        let net = parse("10.1.2.3/8").unwrap();
        assert!(net.contains(&"10.200.0.1".parse::<IpAddr>().unwrap()));
        assert!(parse("::1").is_ok());
        assert!(parse("nonsense").is_err());
    }
}
