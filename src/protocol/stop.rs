//! StopProvider: Terraform's Ctrl-C. Every operation in flight when it arrives is cancelled;
//! the process keeps running and later operations start afresh (as terraform-plugin-go does).

use tokio::sync::watch;

/// Owned by the server; `stop()` cancels everything subscribed so far.
#[derive(Debug, Clone)]
pub struct StopSignal {
    generation: std::sync::Arc<watch::Sender<u64>>,
}

impl Default for StopSignal {
    fn default() -> Self {
        Self::new()
    }
}

impl StopSignal {
    pub fn new() -> Self {
        let (tx, _) = watch::channel(0);
        Self {
            generation: std::sync::Arc::new(tx),
        }
    }

    /// Cancels every operation that subscribed before this call.
    pub fn stop(&self) {
        self.generation.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// A handle for one operation, cancelled by the next `stop()`.
    pub fn subscribe(&self) -> Stopped {
        Stopped(self.generation.subscribe())
    }
}

/// One operation's view of the stop signal.
#[derive(Debug, Clone)]
pub struct Stopped(watch::Receiver<u64>);

impl Stopped {
    /// Resolves when Terraform asks the provider to stop (or the server is gone).
    pub async fn wait(&mut self) {
        let _ = self.0.changed().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn stop_cancels_subscribers_but_not_later_operations() {
        let signal = StopSignal::new();
        let mut before = signal.subscribe();
        signal.stop();
        tokio::time::timeout(Duration::from_secs(1), before.wait())
            .await
            .expect("an operation in flight is stopped");
        let mut after = signal.subscribe();
        let waited = tokio::time::timeout(Duration::from_millis(50), after.wait()).await;
        assert!(waited.is_err(), "an operation started after stop runs");
    }
}
