//! Caspen's rate limit: a fixed number of requests per minute per token, then 429 with `Retry-After`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::auth::token_hash;

const WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, PartialEq, Eq)]
pub enum Decision {
    Allowed {
        limit: u32,
        remaining: u32,
    },
    Limited {
        limit: u32,
        retry_after_seconds: u64,
    },
}

struct Window {
    started: Instant,
    used: u32,
}

/// Fixed one-minute windows per token; a limit of 0 means no limit.
pub struct RateLimiter {
    requests_per_minute: u32,
    /// Keyed by [`token_hash`], so the tokens themselves are not kept.
    windows: Mutex<HashMap<String, Window>>,
}

impl RateLimiter {
    pub fn new(requests_per_minute: u32) -> Self {
        RateLimiter {
            requests_per_minute,
            windows: Mutex::new(HashMap::new()),
        }
    }

    pub fn check(&self, token: &str, now: Instant) -> Decision {
        let limit = self.requests_per_minute;
        if limit == 0 {
            return Decision::Allowed {
                limit,
                remaining: u32::MAX,
            };
        }
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = windows.entry(token_hash(token)).or_insert(Window {
            started: now,
            used: 0,
        });
        if now.duration_since(window.started) >= WINDOW {
            *window = Window {
                started: now,
                used: 0,
            };
        }
        if window.used >= limit {
            let left = WINDOW.saturating_sub(now.duration_since(window.started));
            // Round up so a client that waits exactly Retry-After seconds finds a fresh window.
            let retry_after_seconds = left.as_millis().div_ceil(1000).max(1) as u64;
            return Decision::Limited {
                limit,
                retry_after_seconds,
            };
        }
        window.used += 1;
        Decision::Allowed {
            limit,
            remaining: limit - window.used,
        }
    }

    pub fn reset(&self) {
        self.windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_request_over_the_limit_is_refused_until_the_window_ends() {
        let limiter = RateLimiter::new(2);
        let start = Instant::now();
        assert_eq!(
            limiter.check("token", start),
            Decision::Allowed {
                limit: 2,
                remaining: 1
            }
        );
        assert!(matches!(
            limiter.check("token", start),
            Decision::Allowed { remaining: 0, .. }
        ));
        assert_eq!(
            limiter.check("token", start + Duration::from_millis(20_500)),
            Decision::Limited {
                limit: 2,
                retry_after_seconds: 40
            }
        );
        assert!(matches!(
            limiter.check("token", start + WINDOW),
            Decision::Allowed { .. }
        ));
    }

    #[test]
    fn windows_are_kept_under_the_token_hash_not_the_token() {
        let limiter = RateLimiter::new(5);
        limiter.check("secret-token", Instant::now());
        let windows = limiter
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let keys: Vec<&String> = windows.keys().collect();
        assert_eq!(keys, [&token_hash("secret-token")]);
    }

    #[test]
    fn each_token_has_its_own_window_and_zero_means_unlimited() {
        let limiter = RateLimiter::new(1);
        let now = Instant::now();
        assert!(matches!(limiter.check("a", now), Decision::Allowed { .. }));
        assert!(matches!(limiter.check("b", now), Decision::Allowed { .. }));
        assert!(matches!(limiter.check("a", now), Decision::Limited { .. }));
        let unlimited = RateLimiter::new(0);
        for _ in 0..1000 {
            assert!(matches!(
                unlimited.check("a", now),
                Decision::Allowed { .. }
            ));
        }
    }
}
