//! A per-tenant token cache that refreshes tokens before they expire.
//!
//! One lock per tenant (not one for the cache), so a slow token request for one tenant does
//! not hold up requests for another, and concurrent requests for the same tenant wait for
//! one token request instead of each sending their own.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use azure_core::credentials::AccessToken;
use time::OffsetDateTime;

/// Tokens are renewed when they have less than this left (Entra ID tokens live 60–90 min).
pub const REFRESH_MARGIN: Duration = Duration::from_secs(5 * 60);

#[derive(Default)]
pub struct TokenCache {
    tenants: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<AccessToken>>>>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenCache").finish_non_exhaustive()
    }
}

impl TokenCache {
    pub fn new() -> Self {
        Self::default()
    }

    /// Drops the cached token for `tenant`; the next request fetches a new one.
    pub fn invalidate(&self, tenant: &str) {
        let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
        tenants.remove(&tenant.to_ascii_lowercase());
    }

    /// The cached token for `tenant` if it is still fresh, else the one `fetch` gets (cached).
    pub async fn get_or_fetch<F, Fut, E>(&self, tenant: &str, fetch: F) -> Result<AccessToken, E>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<AccessToken, E>>,
    {
        let slot = {
            let mut tenants = self.tenants.lock().unwrap_or_else(|p| p.into_inner());
            tenants
                .entry(tenant.to_ascii_lowercase())
                .or_default()
                .clone()
        };
        let mut slot = slot.lock().await;
        if let Some(token) = slot.as_ref()
            && is_fresh(token, OffsetDateTime::now_utc())
        {
            return Ok(token.clone());
        }
        let token = fetch().await?;
        *slot = Some(token.clone());
        Ok(token)
    }
}

/// True when `token` has more than [`REFRESH_MARGIN`] left at `now`.
pub fn is_fresh(token: &AccessToken, now: OffsetDateTime) -> bool {
    token.expires_on - now > REFRESH_MARGIN
}

#[cfg(test)]
mod tests {
    use super::*;
    use azure_core::credentials::Secret;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn token(value: &str, lifetime: time::Duration) -> AccessToken {
        AccessToken::new(
            Secret::new(value.to_string()),
            OffsetDateTime::now_utc() + lifetime,
        )
    }

    #[tokio::test]
    async fn caches_per_tenant_and_refreshes_near_expiry() {
        let cache = TokenCache::new();
        let calls = AtomicU32::new(0);
        let fetch = |v: &'static str, life: time::Duration| {
            calls.fetch_add(1, Ordering::SeqCst);
            async move { Ok::<_, ()>(token(v, life)) }
        };
        let a = cache
            .get_or_fetch("t1", || fetch("a", time::Duration::hours(1)))
            .await
            .unwrap();
        let a2 = cache
            .get_or_fetch("T1", || fetch("x", time::Duration::hours(1)))
            .await
            .unwrap();
        assert_eq!(a.token.secret(), "a");
        assert_eq!(
            a2.token.secret(),
            "a",
            "same tenant, case-insensitively, is cached"
        );
        let b = cache
            .get_or_fetch("t2", || fetch("b", time::Duration::minutes(2)))
            .await
            .unwrap();
        assert_eq!(b.token.secret(), "b");
        let b2 = cache
            .get_or_fetch("t2", || fetch("b2", time::Duration::hours(1)))
            .await
            .unwrap();
        assert_eq!(
            b2.token.secret(),
            "b2",
            "a token close to expiry is refreshed"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 3);
        cache.invalidate("T2");
        let b3 = cache
            .get_or_fetch("t2", || fetch("b3", time::Duration::hours(1)))
            .await
            .unwrap();
        assert_eq!(
            b3.token.secret(),
            "b3",
            "an invalidated token is fetched again"
        );
    }

    #[tokio::test]
    async fn errors_are_not_cached() {
        let cache = TokenCache::new();
        let r: Result<AccessToken, &str> = cache.get_or_fetch("t", || async { Err("boom") }).await;
        assert!(r.is_err());
        let ok = cache
            .get_or_fetch("t", || async {
                Ok::<_, &str>(token("ok", time::Duration::hours(1)))
            })
            .await
            .unwrap();
        assert_eq!(ok.token.secret(), "ok");
    }
}
