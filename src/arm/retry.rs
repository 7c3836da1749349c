//! When and how long to wait before resending an ARM request.
//!
//! ARM throttles (429), has transient failures (408, 5xx, dropped connections) and tells how
//! long to wait (`Retry-After`, `x-ms-retry-after-ms`). The decisions are pure functions so
//! they are tested without a server; `client` applies them within the operation's deadline.

use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderMap;

/// The retry policy: exponential backoff with jitter, bounded by attempts and the deadline.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetryPolicy {
    /// Resends after the first attempt.
    pub max_retries: u32,
    /// The first backoff (before jitter) when the server gives no hint.
    pub initial_delay: Duration,
    /// No backoff is longer than this, hinted or not.
    pub max_delay: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_retries: 10,
            initial_delay: Duration::from_millis(800),
            max_delay: Duration::from_secs(60),
        }
    }
}

/// The outcome of one attempt, as far as retrying is concerned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Attempt {
    /// The server answered with this status and (maybe) a wait hint.
    Status(u16, Option<Duration>),
    /// The connection failed or dropped before an answer arrived.
    ConnectionError,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Decision {
    /// Wait this long, then resend.
    RetryAfter(Duration),
    /// Not retryable: return the answer as it is.
    Stop,
    /// Retryable, but attempts or time ran out: return the last answer.
    GiveUp,
}

/// 408, 429 and the 5xx that mean "try again" (not 501 Not Implemented, 505 version).
pub fn is_retryable_status(status: u16) -> bool {
    matches!(status, 408 | 429) || ((500..600).contains(&status) && !matches!(status, 501 | 505))
}

impl RetryPolicy {
    /// Decides what to do after attempt number `retries_so_far + 1`, with `remaining` time
    /// left before the deadline. `jitter` in [0, 1) spreads concurrent clients apart.
    pub fn decide(
        &self,
        retries_so_far: u32,
        attempt: Attempt,
        remaining: Duration,
        jitter: f64,
    ) -> Decision {
        let hint = match attempt {
            Attempt::Status(status, hint) if is_retryable_status(status) => hint,
            Attempt::Status(..) => return Decision::Stop,
            Attempt::ConnectionError => None,
        };
        if retries_so_far >= self.max_retries {
            return Decision::GiveUp;
        }
        let delay = match hint {
            Some(hinted) => hinted.min(self.max_delay),
            None => self.backoff(retries_so_far, jitter),
        };
        if delay >= remaining {
            return Decision::GiveUp;
        }
        Decision::RetryAfter(delay)
    }

    /// `initial * 2^n`, capped, scaled by a factor in [0.8, 1.2).
    pub fn backoff(&self, retries_so_far: u32, jitter: f64) -> Duration {
        let exp = self
            .initial_delay
            .saturating_mul(2u32.saturating_pow(retries_so_far.min(16)))
            .min(self.max_delay);
        exp.mul_f64(0.8 + 0.4 * jitter.clamp(0.0, 1.0))
            .min(self.max_delay)
    }
}

/// The server's wait hint: `x-ms-retry-after-ms`, `retry-after-ms`, or `Retry-After` in
/// seconds or as an HTTP date.
pub fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::trim)
    };
    for name in ["x-ms-retry-after-ms", "retry-after-ms"] {
        if let Some(ms) = text(name).and_then(|t| t.parse::<u64>().ok()) {
            return Some(Duration::from_millis(ms));
        }
    }
    let value = text("retry-after")?;
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let date =
        time::OffsetDateTime::parse(value, &time::format_description::well_known::Rfc2822).ok()?;
    let at = SystemTime::from(date);
    Some(
        at.duration_since(SystemTime::now())
            .unwrap_or(Duration::ZERO),
    )
}

/// A number in [0, 1) from the standard library's per-process random hash keys: enough to
/// spread retries apart without a random-number dependency.
pub fn jitter() -> f64 {
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(
        SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.as_nanos() as u64)
            .unwrap_or_default(),
    );
    (hasher.finish() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    const LOTS: Duration = Duration::from_secs(3600);

    #[test]
    fn retryable_statuses() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retryable_status(s), "{s}");
        }
        for s in [200, 201, 400, 401, 403, 404, 409, 412, 501, 505] {
            assert!(!is_retryable_status(s), "{s}");
        }
    }

    #[test]
    fn non_retryable_answers_stop() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(0, Attempt::Status(404, None), LOTS, 0.5),
            Decision::Stop
        );
        assert_eq!(
            p.decide(0, Attempt::Status(200, None), LOTS, 0.5),
            Decision::Stop
        );
    }

    #[test]
    fn server_hint_wins_over_backoff() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(
                0,
                Attempt::Status(429, Some(Duration::from_secs(7))),
                LOTS,
                0.5
            ),
            Decision::RetryAfter(Duration::from_secs(7))
        );
        // capped at max_delay
        assert_eq!(
            p.decide(
                0,
                Attempt::Status(503, Some(Duration::from_secs(600))),
                LOTS,
                0.5
            ),
            Decision::RetryAfter(p.max_delay)
        );
    }

    #[test]
    fn backoff_grows_exponentially_with_bounded_jitter() {
        let p = RetryPolicy::default();
        let d0 = p.backoff(0, 0.5);
        let d1 = p.backoff(1, 0.5);
        let d2 = p.backoff(2, 0.5);
        assert_eq!(d1, d0 * 2);
        assert_eq!(d2, d0 * 4);
        assert!(p.backoff(0, 0.0) >= p.initial_delay.mul_f64(0.8));
        assert!(p.backoff(0, 0.999) < p.initial_delay.mul_f64(1.2));
        assert!(p.backoff(30, 0.999) <= p.max_delay);
        match p.decide(1, Attempt::ConnectionError, LOTS, 0.5) {
            Decision::RetryAfter(d) => assert_eq!(d, d1),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn gives_up_when_attempts_or_time_run_out() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.decide(p.max_retries, Attempt::Status(429, None), LOTS, 0.5),
            Decision::GiveUp
        );
        assert_eq!(
            p.decide(
                0,
                Attempt::Status(429, Some(Duration::from_secs(5))),
                Duration::from_secs(4),
                0.5
            ),
            Decision::GiveUp
        );
    }

    #[test]
    fn reads_wait_hints() {
        let mut h = HeaderMap::new();
        assert_eq!(retry_after(&h), None);
        h.insert("retry-after", HeaderValue::from_static("3"));
        assert_eq!(retry_after(&h), Some(Duration::from_secs(3)));
        h.insert("x-ms-retry-after-ms", HeaderValue::from_static("1500"));
        assert_eq!(retry_after(&h), Some(Duration::from_millis(1500)));
        let mut h = HeaderMap::new();
        h.insert(
            "retry-after",
            HeaderValue::from_static("Wed, 21 Oct 2015 07:28:00 GMT"),
        );
        assert_eq!(
            retry_after(&h),
            Some(Duration::ZERO),
            "a past date means now"
        );
        h.insert("retry-after", HeaderValue::from_static("soon"));
        assert_eq!(retry_after(&h), None);
    }

    #[test]
    fn jitter_is_in_range() {
        for _ in 0..100 {
            let j = jitter();
            assert!((0.0..1.0).contains(&j));
        }
    }
}
