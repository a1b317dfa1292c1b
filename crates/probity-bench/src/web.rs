//! `probity-bench web`: page-load times of the workbench over a filled data directory.
//!
//! Creates two accounts (an investigator and an auditor) in the data directory, starts
//! `probity serve` on it, signs each in through the real login and TOTP enrolment pages, finds
//! real page addresses by following links (an alert, a person, an event), then fetches each page
//! `rounds` times one after another and prints the median, 95th percentile and worst time to the
//! last byte of the body. `settle` seconds after the server starts let it finish its start-up
//! work (0 measures a first visitor arriving at once).

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use probity_access::totp::{TotpSecret, base32_decode};
use probity_access::{Access, AccessPolicy, Principal, Role, RoleSet, SqliteAccessStore};

use crate::serve;

const PASSWORD: &str = "bench-password-long-enough-1";

/// A signed-in browser session: the cookies a browser would hold.
#[derive(Debug, Default)]
struct Session {
    cookies: BTreeMap<String, String>,
}

impl Session {
    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    fn take_cookies(&mut self, response: &reqwest::Response) {
        for value in response.headers().get_all(reqwest::header::SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let pair = text.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() {
                    self.cookies.remove(name.trim());
                } else {
                    self.cookies
                        .insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
        }
    }
}

/// Where a page is and what it took to fetch.
#[derive(Debug)]
struct Timing {
    page: String,
    first: Duration,
    times: Vec<Duration>,
    bytes: usize,
}

pub fn bench_web(probity: &Path, data: &Path, rounds: usize, settle: u64) -> anyhow::Result<()> {
    if !data.join("events.db").exists() {
        bail!(
            "{} holds no events: fill it first (scripts/demo --staff 2000 --days 60 --exit)",
            data.display()
        );
    }
    let suffix = std::process::id();
    let investigator = format!("bench-investigator-{suffix}");
    let auditor = format!("bench-auditor-{suffix}");
    create_account(data, &investigator, Role::Investigator)?;
    create_account(data, &auditor, Role::Auditor)?;

    let served = serve(probity, data, &["--insecure-cookies", "--no-insider"])?;
    let base = format!("http://{}", served.http);
    // Time for the work the server does as it starts (the dashboard's first aggregate).
    std::thread::sleep(Duration::from_secs(settle));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(60))
            .build()?;
        let mut timings = Vec::new();

        let mut session = sign_in(&client, &base, &investigator).await?;
        let pages = investigator_pages(&client, &base, &mut session).await?;
        for page in pages {
            timings.push(time_page(&client, &base, &mut session, &page, rounds).await?);
        }
        let mut session = sign_in(&client, &base, &auditor).await?;
        for page in ["/audit", "/oversight"] {
            timings.push(time_page(&client, &base, &mut session, page, rounds).await?);
        }
        report(&timings, rounds);
        anyhow::Ok(())
    })?;
    drop(served);
    Ok(())
}

fn create_account(data: &Path, name: &str, role: Role) -> anyhow::Result<()> {
    let access = Access::new(SqliteAccessStore::open(data)?, AccessPolicy::default())?;
    let by = Principal::command_line("bench");
    let (_, action) = access.create_account(
        &by,
        name,
        name,
        RoleSet::new([role]),
        Some(PASSWORD),
        chrono::Utc::now(),
    )?;
    let store = probity_store::sqlite::SqliteStore::open(data)?;
    probity_store::AuditStore::audit(&store, action)?;
    Ok(())
}

async fn get(
    client: &reqwest::Client,
    base: &str,
    session: &mut Session,
    path: &str,
) -> anyhow::Result<(u16, String)> {
    let response = client
        .get(format!("{base}{path}"))
        .header(reqwest::header::COOKIE, session.cookie_header())
        .send()
        .await?;
    session.take_cookies(&response);
    let status = response.status().as_u16();
    Ok((status, response.text().await?))
}

async fn post(
    client: &reqwest::Client,
    base: &str,
    session: &mut Session,
    path: &str,
    form: &[(&str, &str)],
) -> anyhow::Result<(u16, Option<String>)> {
    let body = serde_urlencoded::to_string(form)?;
    let response = client
        .post(format!("{base}{path}"))
        .header(reqwest::header::COOKIE, session.cookie_header())
        .header(
            reqwest::header::CONTENT_TYPE,
            "application/x-www-form-urlencoded",
        )
        .body(body)
        .send()
        .await?;
    session.take_cookies(&response);
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    Ok((response.status().as_u16(), location))
}

/// The value of the first `name="…" value="…"` hidden input (either attribute order).
fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\"");
    let at = html.find(&marker)?;
    let start = html[..at].rfind('<')?;
    let end = at + html[at..].find('>')?;
    let tag = &html[start..end];
    let value_at = tag.find("value=\"")? + "value=\"".len();
    let value_end = value_at + tag[value_at..].find('"')?;
    Some(tag[value_at..value_end].to_owned())
}

/// The text inside the element with `id`.
fn element_text(html: &str, id: &str) -> Option<String> {
    let marker = format!("id=\"{id}\"");
    let at = html.find(&marker)?;
    let open_end = at + html[at..].find('>')? + 1;
    let close = open_end + html[open_end..].find('<')?;
    Some(html[open_end..close].trim().to_owned())
}

/// The first `attr="prefix…"` value in the page.
fn first_attr(html: &str, attr: &str, prefix: &str) -> Option<String> {
    let marker = format!("{attr}=\"{prefix}");
    let at = html.find(&marker)? + attr.len() + 2;
    let end = at + html[at..].find('"')?;
    Some(html[at..end].replace("&amp;", "&"))
}

fn totp_now(secret: &TotpSecret) -> anyhow::Result<String> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs();
    Ok(secret.code_at(now))
}

/// Signs in with the password, enrols TOTP on the page the server sends a new account to, and
/// returns the signed-in session.
async fn sign_in(client: &reqwest::Client, base: &str, name: &str) -> anyhow::Result<Session> {
    let mut session = Session::default();
    let (_, page) = get(client, base, &mut session, "/login").await?;
    let csrf = input_value(&page, "csrf").unwrap_or_default();
    let (status, location) = post(
        client,
        base,
        &mut session,
        "/login",
        &[
            ("username", name),
            ("password", PASSWORD),
            ("code", ""),
            ("csrf", &csrf),
        ],
    )
    .await?;
    let location = location.with_context(|| format!("sign-in of {name} answered {status}"))?;
    if !location.contains("/account/totp") {
        bail!("a new account should be sent to TOTP enrolment, was sent to {location}");
    }
    let (_, page) = get(client, base, &mut session, "/account/totp").await?;
    let secret = element_text(&page, "totp-secret").context("no #totp-secret on the page")?;
    let secret = TotpSecret::from_bytes(base32_decode(&secret).context("bad base32 secret")?);
    let csrf = input_value(&page, "csrf").unwrap_or_default();
    let code = totp_now(&secret)?;
    let (status, location) = post(
        client,
        base,
        &mut session,
        "/account/totp",
        &[("code", &code), ("csrf", &csrf)],
    )
    .await?;
    if !(300..400).contains(&status) || location.as_deref().is_some_and(|l| l.contains("totp")) {
        bail!("TOTP enrolment of {name} refused ({status})");
    }
    Ok(session)
}

/// The investigator's pages, with real ids found by following links.
async fn investigator_pages(
    client: &reqwest::Client,
    base: &str,
    session: &mut Session,
) -> anyhow::Result<Vec<String>> {
    let mut pages = vec!["/".to_owned(), "/alerts".to_owned()];
    let (_, alerts) = get(client, base, session, "/alerts").await?;
    if let Some(id) = first_attr(&alerts, "data-alert-id", "") {
        let detail = format!("/alerts/{id}");
        let (_, page) = get(client, base, session, &detail).await?;
        pages.push(detail);
        if let Some(event) = first_attr(&page, "href", "/events/") {
            pages.push(event);
        }
    }
    if let Some(person) = first_attr(&alerts, "href", "/people/") {
        pages.push(person);
    }
    pages.push("/alerts?level=high".to_owned());
    pages.push("/search?q=action%3Aview".to_owned());
    pages.push("/search?q=print".to_owned());
    pages.push("/cases".to_owned());
    Ok(pages)
}

async fn time_page(
    client: &reqwest::Client,
    base: &str,
    session: &mut Session,
    page: &str,
    rounds: usize,
) -> anyhow::Result<Timing> {
    // The first fetch is reported on its own: it may fill caches later fetches use.
    let started = Instant::now();
    let (status, body) = get(client, base, session, page).await?;
    let first = started.elapsed();
    if status != 200 {
        bail!("{page} answered {status}");
    }
    let mut times = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let started = Instant::now();
        let (status, body) = get(client, base, session, page).await?;
        times.push(started.elapsed());
        if status != 200 || body.is_empty() {
            bail!("{page} answered {status}");
        }
    }
    times.sort();
    Ok(Timing {
        page: page.to_owned(),
        first,
        times,
        bytes: body.len(),
    })
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn report(timings: &[Timing], rounds: usize) {
    println!("page loads, {rounds} sequential fetches each (time to the last byte):");
    println!(
        "{:<48} {:>9} {:>9} {:>9} {:>9} {:>9}",
        "page", "first ms", "p50 ms", "p95 ms", "max ms", "KiB"
    );
    let mut all = Vec::new();
    for timing in timings {
        let ms = |d: Duration| d.as_secs_f64() * 1000.0;
        println!(
            "{:<48} {:>9.1} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
            timing.page.chars().take(48).collect::<String>(),
            ms(timing.first),
            ms(percentile(&timing.times, 50.0)),
            ms(percentile(&timing.times, 95.0)),
            ms(timing.times.last().copied().unwrap_or_default()),
            timing.bytes as f64 / 1024.0
        );
        all.extend_from_slice(&timing.times);
    }
    all.sort();
    println!(
        "all pages: p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms over {} fetches",
        percentile(&all, 50.0).as_secs_f64() * 1000.0,
        percentile(&all, 95.0).as_secs_f64() * 1000.0,
        all.last().copied().unwrap_or_default().as_secs_f64() * 1000.0,
        all.len()
    );
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn page_parsing_finds_inputs_elements_and_links() {
        let html = r#"<form><input type="hidden" name="csrf" value="abc123"></form>
            <code id="totp-secret">JBSWY3DPEHPK3PXP</code>
            <tr class="alert" data-alert-id="0f1e"><a class="person" href="/people/P-1&amp;x">"#;
        assert_eq!(input_value(html, "csrf").as_deref(), Some("abc123"));
        assert_eq!(
            element_text(html, "totp-secret").as_deref(),
            Some("JBSWY3DPEHPK3PXP")
        );
        assert_eq!(
            first_attr(html, "data-alert-id", "").as_deref(),
            Some("0f1e")
        );
        assert_eq!(
            first_attr(html, "href", "/people/").as_deref(),
            Some("/people/P-1&x")
        );
    }

    #[test]
    fn percentiles_take_the_rank_above() {
        let times: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&times, 95.0), Duration::from_millis(95));
        assert_eq!(percentile(&times, 50.0), Duration::from_millis(50));
        assert_eq!(percentile(&[], 95.0), Duration::ZERO);
    }
}
