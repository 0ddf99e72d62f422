//! Per-client rate limiting (`--rate-limit N`: N requests a second per client address, with
//! bursts of N). Off by default; the health routes are never limited, so probes keep working.
//!
//! The client is the peer address of the connection. Behind a load balancer every request
//! comes from the balancer's address, so a deployment there limits at its edge instead or
//! sets the limit for the balancer's share.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::Error;
use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::Next;
use actix_web::web::Data;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::ApiError;

type Limiter =
    RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

/// How many client addresses are remembered before idle ones are forgotten.
const TRACKED_CLIENTS: usize = 10_000;

/// The shared limiter of one server.
pub struct ClientRateLimit {
    limiter: Limiter,
    per_second: NonZeroU32,
}

impl ClientRateLimit {
    pub fn per_second(per_second: NonZeroU32) -> ClientRateLimit {
        ClientRateLimit {
            limiter: RateLimiter::keyed(Quota::per_second(per_second))
                .with_middleware::<StateInformationMiddleware>(),
            per_second,
        }
    }
}

const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");

/// Admits the request or answers 429 with `Retry-After`; admitted responses carry
/// `RateLimit-Limit` and `RateLimit-Remaining`.
pub async fn rate_limit(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody>, Error> {
    // Registered as an Option: servers without a limit carry `None`.
    let limit = req
        .app_data::<Option<Data<ClientRateLimit>>>()
        .cloned()
        .flatten();
    let exempt = matches!(req.path(), "/healthz" | "/readyz");
    let (Some(limit), false, Some(client)) = (limit, exempt, req.peer_addr().map(|a| a.ip()))
    else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    if limit.limiter.len() > TRACKED_CLIENTS {
        limit.limiter.retain_recent();
    }
    match limit.limiter.check_key(&client) {
        Ok(snapshot) => {
            let mut res = next.call(req).await?;
            let headers = res.headers_mut();
            headers.insert(LIMIT, HeaderValue::from(limit.per_second.get()));
            headers.insert(
                REMAINING,
                HeaderValue::from(snapshot.remaining_burst_capacity()),
            );
            Ok(res.map_into_left_body())
        }
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            Ok(req
                .error_response(ApiError::RateLimited { retry_after })
                .map_into_right_body())
        }
    }
}
