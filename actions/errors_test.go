package actions

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"
)

// timeoutError is a net.Error that reports a timeout.
type timeoutError struct{}

func (timeoutError) Error() string   { return "i/o timeout" }
func (timeoutError) Timeout() bool   { return true }
func (timeoutError) Temporary() bool { return true }

var _ net.Error = timeoutError{}

func TestRetryable(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"retryable action error", retryableError("x", nil), true},
		{"permanent action error", permanentError("x", nil), false},
		{"wrapped retryable", fmt.Errorf("step a: %w", retryableError("x", nil)), true},
		{"permanent wrapping a deadline", permanentError("x", context.DeadlineExceeded), false},
		{"deadline", context.DeadlineExceeded, true},
		{"net timeout", timeoutError{}, true},
		{"plain error", errors.New("boom"), false},
	}
	for _, tc := range cases {
		if got := Retryable(tc.err); got != tc.want {
			t.Errorf("%s: Retryable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	t.Parallel()
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	cases := map[string]time.Duration{
		"":                              0,
		"120":                           2 * time.Minute,
		"-1":                            0,
		"soon":                          0,
		"Sat, 01 Mar 2025 12:00:30 GMT": 30 * time.Second,
		"Sat, 01 Mar 2025 11:00:00 GMT": 0,
	}
	for in, want := range cases {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestQuoteExcerpt(t *testing.T) {
	t.Parallel()
	cases := []struct {
		text string
		max  int
		want string
	}{
		{"short", 10, `"short"`},
		{"abcdef", 3, `"abc"...`},
		{"aé", 2, `"a"...`},
	}
	for _, tc := range cases {
		if got := quoteExcerpt(tc.text, tc.max); got != tc.want {
			t.Errorf("quoteExcerpt(%q, %d) = %s, want %s", tc.text, tc.max, got, tc.want)
		}
	}
}
