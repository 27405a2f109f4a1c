package schema

import (
	"strings"
	"testing"
	"time"
)

func TestParseScheduleNext(t *testing.T) {
	t.Parallel()
	paris, err := loadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// 2025-01-06 is a Monday.
	from := time.Date(2025, 1, 6, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		spec string
		loc  *time.Location
		want time.Time
	}{
		{"cron(0 9 * * MON)", time.UTC, time.Date(2025, 1, 13, 9, 0, 0, 0, time.UTC)},
		{"cron(0 9 ? * 2 *)", time.UTC, time.Date(2025, 1, 13, 9, 0, 0, 0, time.UTC)},
		{"cron(30 12 ? * 2-6 ?)", time.UTC, time.Date(2025, 1, 6, 12, 30, 0, 0, time.UTC)},
		{"cron(0 0 ? * 1 *)", time.UTC, time.Date(2025, 1, 12, 0, 0, 0, 0, time.UTC)},
		{"0 9 * * 1", time.UTC, time.Date(2025, 1, 13, 9, 0, 0, 0, time.UTC)},
		{"*/15 * * * *", time.UTC, time.Date(2025, 1, 6, 10, 15, 0, 0, time.UTC)},
		{"0 12 * * *", paris, time.Date(2025, 1, 6, 11, 0, 0, 0, time.UTC)},
		{"rate(5 minutes)", time.UTC, time.Date(2025, 1, 6, 10, 5, 0, 0, time.UTC)},
		{"rate(1 hour)", time.UTC, time.Date(2025, 1, 6, 11, 0, 0, 0, time.UTC)},
		{"rate(2 days)", time.UTC, from.Truncate(48 * time.Hour).Add(48 * time.Hour)},
	}
	for _, tt := range tests {
		s, err := parseSchedule(tt.spec, tt.loc)
		if err != nil {
			t.Errorf("parseSchedule(%q): %v", tt.spec, err)
			continue
		}
		if got := s.Next(from); !got.Equal(tt.want) {
			t.Errorf("%q: Next(%s) = %s, want %s", tt.spec, from, got, tt.want)
		}
		if s.Location != tt.loc || s.Spec != tt.spec {
			t.Errorf("%q: schedule = %+v", tt.spec, s)
		}
	}
}

func TestParseScheduleErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ spec, want string }{
		{"cron(0 9 * *)", "needs 5 fields"},
		{"cron(0 9 * * MON 2030)", `year field "2030"`},
		{"cron(0 9 ? * 8 *)", `invalid cron field "8": day of week must be 1-7 (1 is Sunday)`},
		{"0 9 * *", "needs 5 fields"},
		{"0 9 * * 1 2025", "needs 5 fields"},
		{"0 0 30 2 *", "never fires"},
		{"@daily", "descriptors"},
		{"TZ=Europe/Paris 0 9 * * *", "trigger.timezone"},
		{"rate(5)", "count and a unit"},
		{"rate(-1 minutes)", "at least 1"},
		{"rate(5 weeks)", "minute(s), hour(s) or day(s)"},
		{"61 * * * *", `invalid cron field "61": minute must be 0-59`},
	}
	for _, tt := range tests {
		_, err := parseSchedule(tt.spec, time.UTC)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseSchedule(%q) error = %v, want one containing %q", tt.spec, err, tt.want)
		}
	}
}

func TestLoadLocation(t *testing.T) {
	t.Parallel()
	if loc, err := loadLocation(""); err != nil || loc != time.UTC {
		t.Errorf(`loadLocation("") = %v, %v; want UTC`, loc, err)
	}
	if loc, err := loadLocation("America/New_York"); err != nil || loc.String() != "America/New_York" {
		t.Errorf("loadLocation(America/New_York) = %v, %v", loc, err)
	}
	for _, bad := range []string{"Local", "Mars/Olympus", "utc+2"} {
		if _, err := loadLocation(bad); err == nil {
			t.Errorf("loadLocation(%q) returned no error", bad)
		}
	}
}

func TestParseDuration(t *testing.T) {
	t.Parallel()
	good := map[string]time.Duration{
		"30s":   30 * time.Second,
		"1h30m": 90 * time.Minute,
		"7d":    7 * 24 * time.Hour,
		"1d12h": 36 * time.Hour,
		"1.5d":  36 * time.Hour,
		" 24h ": 24 * time.Hour,
		"250ms": 250 * time.Millisecond,
	}
	for in, want := range good {
		if got, err := parseDuration(in); err != nil || got != want {
			t.Errorf("parseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	bad := map[string]string{
		"":      "empty",
		"30":    "missing unit",
		"0s":    "greater than zero",
		"0d":    "greater than zero",
		"-5m":   "greater than zero",
		"2w":    "unknown unit",
		"xd":    "invalid day count",
		"1d-1h": "greater than zero",
		"abc":   "not a duration",
	}
	for in, want := range bad {
		if _, err := parseDuration(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("parseDuration(%q) error = %v, want one containing %q", in, err, want)
		}
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	keys := []string{"name", "description", "version", "trigger", "conditions", "steps", "approval", "approval_chain"}
	tests := map[string]string{
		"tigger":         "trigger",
		"stpes":          "steps",
		"Name":           "name",
		"aproval":        "approval",
		"approval-chain": "approval_chain",
		"timeout":        "",
		"x":              "",
		"nam":            "name",
	}
	for in, want := range tests {
		if got := suggest(in, keys); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}
