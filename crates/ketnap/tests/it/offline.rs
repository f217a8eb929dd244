//! Runs with no network: `scripts/test` (under CI=true) runs this test and the browser suite
//! a second time inside a network namespace whose only interface is loopback, with
//! `KETNAP_EXPECT_NO_NETWORK=1`. Here the namespace is checked to be what it claims, so the
//! browser suite passing in it shows that no page, script, style or font is fetched from
//! outside (the CSP allows only 'self' as well).

#[test]
fn the_no_network_run_has_loopback_only() {
    if std::env::var("KETNAP_EXPECT_NO_NETWORK").as_deref() != Ok("1") {
        eprintln!(
            "Not the no-network run (scripts/test makes it under CI=true): nothing to check."
        );
        return;
    }
    // /proc/self/net/dev lists the interfaces of this process's network namespace.
    let dev = std::fs::read_to_string("/proc/self/net/dev").unwrap();
    let interfaces: Vec<&str> = dev
        .lines()
        .skip(2)
        .filter_map(|line| line.split(':').next())
        .map(str::trim)
        .collect();
    assert_eq!(interfaces, vec!["lo"], "{dev}");
    // And nothing outside answers: an address of the crates.io CDN, reachable from the host.
    let outside = std::net::SocketAddr::from(([151, 101, 0, 0], 443));
    assert!(
        std::net::TcpStream::connect_timeout(&outside, std::time::Duration::from_secs(2)).is_err()
    );
    // Loopback works: the browser suite's server and ChromeDriver need it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    assert!(std::net::TcpStream::connect(listener.local_addr().unwrap()).is_ok());
}
