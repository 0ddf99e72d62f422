//! The actix-web floor for `bench/run.sh`: a bare actix-web server that answers every request
//! with the roadmap's bytes and the very headers the API sent with them, read once at start.
//! It runs none of the API's middleware: nothing logs the request, makes its id, records its
//! metrics, limits its rate, times it out, looks it up in a cache or negotiates its encoding;
//! the CORS and security headers are sent as read, not worked out. The harness measures it
//! beside the API and nginx, so a run shows what the framework alone reaches on this machine,
//! and what the API's work per request costs on top of it.
//!
//! Usage: `floor ADDRESS BODY HEADERS WORKERS`. HEADERS holds the API's response headers, one
//! `name: value` a line; `date`, `content-length` and `connection` are left to actix-web, as the
//! API leaves them. Given just `content-type: application/json`, it is actix-web's plainest
//! answer of the same bytes.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpResponse, HttpServer};
use anyhow::{Context, bail};

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [address, body, headers, workers] = args.as_slice() else {
        bail!("usage: floor ADDRESS BODY HEADERS WORKERS");
    };
    let body = Bytes::from(std::fs::read(body).with_context(|| format!("reading {body}"))?);
    // actix-web clones the handler for every request: behind an `Arc`, that clone counts a
    // reference instead of copying the map, which would cost the floor more than the API.
    let headers = Arc::new(read_headers(
        &std::fs::read_to_string(headers).with_context(|| format!("reading {headers}"))?,
    )?);
    let workers = workers
        .parse()
        .with_context(|| format!("workers: {workers}"))?;
    HttpServer::new(move || {
        let (body, headers) = (body.clone(), headers.clone());
        App::new().default_service(web::to(move || {
            let mut response = HttpResponse::Ok().body(body.clone());
            for (name, value) in headers.iter() {
                response.headers_mut().append(name.clone(), value.clone());
            }
            async move { response }
        }))
    })
    .workers(workers)
    .bind(address.as_str())
    .with_context(|| format!("binding {address}"))?
    .run()
    .await?;
    Ok(())
}

/// The headers to send, from `name: value` lines, less those actix-web writes itself.
fn read_headers(text: &str) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            bail!("a header line without a colon: {line}");
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())
            .with_context(|| format!("the header line {line}"))?;
        if ![header::DATE, header::CONTENT_LENGTH, header::CONNECTION].contains(&name) {
            let value = HeaderValue::from_str(value.trim())
                .with_context(|| format!("the header line {line}"))?;
            headers.append(name, value);
        }
    }
    Ok(headers)
}
