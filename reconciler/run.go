package reconciler

import (
	"context"
	"log/slog"
	"time"
)

// initialBackoff is the delay before the first retry after a failed pass.
const initialBackoff = time.Second

// Run reconciles at once and then every PollInterval until ctx ends, and
// returns nil then. A failed pass keeps the active set, is logged with its
// attempt number, delay and error, and is retried after a delay that starts
// at 1s and doubles up to MaxBackoff. A successful pass resets the delay.
// Trigger starts the next pass early, also during a backoff delay.
func (r *Reconciler) Run(ctx context.Context) error {
	defer r.setNextAttempt(time.Time{})
	r.cfg.Logger.Info("reconciler started",
		slog.String("repo", r.source.remote.url),
		slog.String("branch", r.cfg.Branch),
		slog.Duration("poll_interval", r.cfg.PollInterval))
	failures := 0
	for {
		result, err := r.Reconcile(ctx)
		if ctx.Err() != nil {
			r.cfg.Logger.Info("reconciler stopped", slog.String("repo", r.source.remote.url))
			return nil
		}
		if r.cfg.OnPass != nil {
			r.cfg.OnPass(result, err)
		}
		delay := r.cfg.PollInterval
		if err != nil {
			failures++
			delay = backoffDelay(failures, r.cfg.MaxBackoff)
			r.cfg.Logger.Warn("reconcile failed; the active set stays, retrying",
				slog.String("repo", r.source.remote.url),
				slog.Int("attempt", failures),
				slog.Duration("delay", delay),
				slog.Any("error", err))
		} else {
			if failures > 0 {
				r.cfg.Logger.Info("reconcile recovered",
					slog.String("repo", r.source.remote.url),
					slog.Int("failed_attempts", failures))
			}
			failures = 0
			r.cfg.Logger.Debug("reconcile pass done",
				slog.String("commit", result.Commit),
				slog.String("outcome", result.Outcome))
		}
		r.setNextAttempt(r.cfg.Now().Add(delay))
		select {
		case <-ctx.Done():
			r.cfg.Logger.Info("reconciler stopped", slog.String("repo", r.source.remote.url))
			return nil
		case <-r.after(delay):
		case <-r.trigger:
		}
	}
}

// Trigger requests a pass from Run now, for example on a push webhook. It
// never blocks, and requests made while one is pending are merged into it.
func (r *Reconciler) Trigger() {
	select {
	case r.trigger <- struct{}{}:
	default:
	}
}

// backoffDelay returns the delay after the given number of consecutive
// failures: 1s, 2s, 4s and so on, capped at maxDelay.
func backoffDelay(failures int, maxDelay time.Duration) time.Duration {
	delay := initialBackoff
	for i := 1; i < failures; i++ {
		delay *= 2
		if delay >= maxDelay {
			return maxDelay
		}
	}
	return min(delay, maxDelay)
}
