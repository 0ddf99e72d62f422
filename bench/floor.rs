//! The actix-web floor for `bench/run.sh`: a bare actix-web server that answers every request
//! with the roadmap's bytes and the very headers the API sent with them, built once at start.
//! It does none of the API's own work per request: no access log, request id, metrics, CORS,
//! security headers, rate limit, timeout, cache lookup or content negotiation. The harness
//! measures it beside the API and nginx, so a run shows what the framework alone reaches on
//! this machine, and what the API's work per request costs on top of it.
//!
//! Usage: `floor ADDRESS BODY HEADERS WORKERS`. HEADERS holds the API's response headers, one
//! `name: value` a line; `date`, `content-length` and `connection` are left to actix-web, as the
//! API leaves them.

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
    let headers = read_headers(
        &std::fs::read_to_string(headers).with_context(|| format!("reading {headers}"))?,
    )?;
    let workers = workers
        .parse()
        .with_context(|| format!("workers: {workers}"))?;
    HttpServer::new(move || {
        let (body, headers) = (body.clone(), headers.clone());
        App::new().default_service(web::to(move || {
            let mut response = HttpResponse::Ok().body(body.clone());
            for (name, value) in &headers {
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

fn read_headers(text: &str) -> anyhow::Result<HeaderMap> {
    let mut headers = HeaderMap::new();
    for line in text.lines().filter(|line| !line.trim().is_empty()) {
        let Some((name, value)) = line.split_once(':') else {
            bail!("a header line without a colon: {line}");
        };
        let name = HeaderName::from_bytes(name.trim().as_bytes())?;
        if ![header::DATE, header::CONTENT_LENGTH, header::CONNECTION].contains(&name) {
            headers.append(name, HeaderValue::from_str(value.trim())?);
        }
    }
    Ok(headers)
}
