//! Per-client rate limits, by the peer address of the connection: reads are limited when
//! `--rate-limit N` is set (N requests a second, bursts of N); the admin writes (`PUT`,
//! `PATCH`, `DELETE`) always are, by the stricter `--admin-rate-limit` (requests a minute,
//! default 60); story submissions by `--story-rate-limit` (an hour, default 5), which the
//! submission route applies to the submissions it takes ([`ClientRateLimit::admit_story`]).
//! The health routes are never limited, so probes keep working.
//!
//! Behind a load balancer every request comes from the balancer's address, so a deployment
//! there limits reads at its edge instead, or sets the limit for the balancer's share.

use std::net::IpAddr;
use std::num::NonZeroU32;

use actix_web::dev::ServiceRequest;
use actix_web::http::Method;
use actix_web::http::header::{HeaderMap, HeaderName, HeaderValue};
use actix_web::web::Data;
use governor::clock::{Clock, DefaultClock};
use governor::middleware::StateInformationMiddleware;
use governor::state::keyed::DefaultKeyedStateStore;
use governor::{Quota, RateLimiter};

use super::ApiError;
use super::PROBE_PATHS;

type Limiter =
    RateLimiter<IpAddr, DefaultKeyedStateStore<IpAddr>, DefaultClock, StateInformationMiddleware>;

/// How many client addresses are remembered before idle ones are forgotten.
const TRACKED_CLIENTS: usize = 10_000;

/// One limit: a limiter and the quota it announces in `RateLimit-Limit`.
struct Limit {
    limiter: Limiter,
    burst: NonZeroU32,
}

impl Limit {
    fn new(quota: Quota) -> Limit {
        Limit {
            burst: quota.burst_size(),
            limiter: RateLimiter::keyed(quota).with_middleware::<StateInformationMiddleware>(),
        }
    }
}

/// The shared limits of one server.
pub struct ClientRateLimit {
    reads: Option<Limit>,
    writes: Limit,
    stories: Limit,
}

impl ClientRateLimit {
    pub fn new(
        reads_per_second: Option<NonZeroU32>,
        writes_per_minute: NonZeroU32,
        stories_per_hour: NonZeroU32,
    ) -> Self {
        ClientRateLimit {
            reads: reads_per_second.map(|n| Limit::new(Quota::per_second(n))),
            writes: Limit::new(Quota::per_minute(writes_per_minute)),
            stories: Limit::new(Quota::per_hour(stories_per_hour)),
        }
    }

    /// Counts one story submission of `client` against `--story-rate-limit`, or refuses it.
    pub fn admit_story(&self, client: IpAddr) -> Result<Allowance, ApiError> {
        self.stories.admit(client)
    }
}

const LIMIT: HeaderName = HeaderName::from_static("ratelimit-limit");
const REMAINING: HeaderName = HeaderName::from_static("ratelimit-remaining");

/// What an admitted request's response announces: `RateLimit-Limit` and
/// `RateLimit-Remaining`.
#[derive(Debug, Clone, Copy)]
pub struct Allowance {
    burst: u32,
    remaining: u32,
}

impl Allowance {
    pub fn announce(self, headers: &mut HeaderMap) {
        headers.insert(LIMIT, HeaderValue::from(self.burst));
        headers.insert(REMAINING, HeaderValue::from(self.remaining));
    }
}

/// Admits the request, with the allowance to announce when a limit applies to it, or refuses
/// it: a 429 with `Retry-After`.
pub fn admit(req: &ServiceRequest) -> Result<Option<Allowance>, ApiError> {
    let limits = req.app_data::<Data<ClientRateLimit>>();
    let exempt = PROBE_PATHS.contains(&req.path());
    let is_write = matches!(*req.method(), Method::PUT | Method::PATCH | Method::DELETE);
    let limit = limits.and_then(|limits| {
        if is_write {
            Some(&limits.writes)
        } else {
            limits.reads.as_ref()
        }
    });
    let (Some(limit), false, Some(client)) = (limit, exempt, req.peer_addr().map(|a| a.ip()))
    else {
        return Ok(None);
    };
    limit.admit(client).map(Some)
}

impl Limit {
    fn admit(&self, client: IpAddr) -> Result<Allowance, ApiError> {
        if self.limiter.len() > TRACKED_CLIENTS {
            self.limiter.retain_recent();
        }
        match self.limiter.check_key(&client) {
            Ok(snapshot) => Ok(Allowance {
                burst: self.burst.get(),
                remaining: snapshot.remaining_burst_capacity(),
            }),
            Err(not_until) => {
                let wait = not_until.wait_time_from(DefaultClock::default().now());
                let retry_after = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
                Err(ApiError::RateLimited { retry_after })
            }
        }
    }
}
