package actions

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"
)

// Error is a failed action attempt with its retry classification. Message
// has secrets redacted. Err keeps the cause for errors.Is and errors.As
// checks (context.DeadlineExceeded on a timeout, for example), but never a
// cause whose text would reveal a secret.
type Error struct {
	// Message describes the failure, secrets redacted.
	Message string
	// Retryable is true when another attempt may succeed.
	Retryable bool
	// RetryAfter is the delay the remote service asked for (Retry-After);
	// zero when it named none.
	RetryAfter time.Duration
	// Err is the underlying cause; nil when there is none.
	Err error
}

// Error returns Message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether another attempt of the failed action may
// succeed. An *Error in the chain decides. Otherwise timeouts
// (context.DeadlineExceeded, a net.Error reporting Timeout) are retryable and
// everything else is permanent.
func Retryable(err error) bool {
	if err == nil {
		return false
	}
	var actionErr *Error
	if errors.As(err, &actionErr) {
		return actionErr.Retryable
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var netErr net.Error
	return errors.As(err, &netErr) && netErr.Timeout()
}

// RetryAfter returns the delay a remote service asked for before the next
// attempt, or zero when the error carries none.
func RetryAfter(err error) time.Duration {
	var actionErr *Error
	if errors.As(err, &actionErr) {
		return actionErr.RetryAfter
	}
	return 0
}

// permanentError returns an *Error that no retry can fix.
func permanentError(msg string, cause error) *Error {
	return &Error{Message: msg, Err: cause}
}

// retryableError returns an *Error that a later attempt may not hit.
func retryableError(msg string, cause error) *Error {
	return &Error{Message: msg, Retryable: true, Err: cause}
}

// parseRetryAfter reads a Retry-After header value: delay seconds or an HTTP
// date (RFC 9110, section 10.2.3). It returns zero for a missing or invalid
// value and for a date in the past.
func parseRetryAfter(value string, now time.Time) time.Duration {
	if value == "" {
		return 0
	}
	if seconds, err := strconv.Atoi(value); err == nil {
		if seconds < 0 {
			return 0
		}
		return time.Duration(seconds) * time.Second
	}
	when, err := http.ParseTime(value)
	if err != nil || !when.After(now) {
		return 0
	}
	return when.Sub(now)
}

// quoteExcerpt quotes at most max bytes of text for an error message,
// cutting at a rune boundary and marking a cut with "...".
func quoteExcerpt(text string, max int) string {
	if len(text) <= max {
		return strconv.Quote(text)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(text[cut]) {
		cut--
	}
	return strconv.Quote(text[:cut]) + "..."
}
