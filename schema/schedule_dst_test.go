package schema

import (
	"strings"
	"testing"
	"time"
)

// mustLocation loads an IANA zone or stops the test.
func mustLocation(t *testing.T, name string) *time.Location {
	t.Helper()
	loc, err := loadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(year int, month time.Month, day, hour, min int) time.Time {
	return time.Date(year, month, day, hour, min, 0, 0, time.UTC)
}

// In 2025 America/New_York springs forward at 07:00 UTC on March 9
// (02:00 EST becomes 03:00 EDT) and falls back at 06:00 UTC on November 2
// (02:00 EDT becomes 01:00 EST). Europe/Berlin springs forward at 01:00 UTC
// on March 30 (02:00 CET becomes 03:00 CEST) and falls back at 01:00 UTC on
// October 26 (03:00 CEST becomes 02:00 CET).
func TestScheduleNextAcrossDST(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, spec, zone string
		from, want       time.Time
	}{
		{"skipped time fires at gap end", "30 2 * * *", "America/New_York", utc(2025, 3, 8, 17, 0), utc(2025, 3, 9, 7, 0)},
		{"day after gap", "30 2 * * *", "America/New_York", utc(2025, 3, 9, 7, 0), utc(2025, 3, 10, 6, 30)},
		{"skipped hour start", "0 2 * * 0", "America/New_York", utc(2025, 3, 8, 17, 0), utc(2025, 3, 9, 7, 0)},
		{"aws skipped time", "cron(30 2 ? * 1 *)", "America/New_York", utc(2025, 3, 8, 17, 0), utc(2025, 3, 9, 7, 0)},
		{"gap shares one firing", "*/30 * * * *", "America/New_York", utc(2025, 3, 9, 6, 45), utc(2025, 3, 9, 7, 0)},
		{"after shared firing", "*/30 * * * *", "America/New_York", utc(2025, 3, 9, 7, 0), utc(2025, 3, 9, 7, 30)},
		{"repeated time first occurrence", "30 1 * * *", "America/New_York", utc(2025, 11, 1, 16, 0), utc(2025, 11, 2, 5, 30)},
		{"repeated time not again", "30 1 * * *", "America/New_York", utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 30)},
		{"inside second pass", "30 1 * * *", "America/New_York", utc(2025, 11, 2, 6, 15), utc(2025, 11, 3, 6, 30)},
		{"repeated hour fires by steps", "*/30 * * * *", "America/New_York", utc(2025, 11, 2, 5, 45), utc(2025, 11, 2, 6, 0)},
		{"fixed minute list once", "0,30 1 * * *", "America/New_York", utc(2025, 11, 2, 5, 30), utc(2025, 11, 3, 6, 0)},
		{"weekly before spring", "cron(0 9 * * MON)", "America/New_York", utc(2025, 3, 3, 12, 0), utc(2025, 3, 3, 14, 0)},
		{"weekly after spring", "cron(0 9 * * MON)", "America/New_York", utc(2025, 3, 7, 12, 0), utc(2025, 3, 10, 13, 0)},
		{"weekly after fall", "cron(0 9 * * MON)", "America/New_York", utc(2025, 10, 31, 12, 0), utc(2025, 11, 3, 14, 0)},
		{"five-field weekly after spring", "0 9 * * 1", "America/New_York", utc(2025, 3, 3, 14, 0), utc(2025, 3, 10, 13, 0)},
		{"berlin skipped time", "30 2 * * *", "Europe/Berlin", utc(2025, 3, 29, 12, 0), utc(2025, 3, 30, 1, 0)},
		{"berlin gap end exists", "0 3 * * *", "Europe/Berlin", utc(2025, 3, 29, 12, 0), utc(2025, 3, 30, 1, 0)},
		{"berlin repeated time", "30 2 * * *", "Europe/Berlin", utc(2025, 10, 25, 12, 0), utc(2025, 10, 26, 0, 30)},
		{"berlin repeated not again", "30 2 * * *", "Europe/Berlin", utc(2025, 10, 26, 0, 30), utc(2025, 10, 27, 1, 30)},
		{"berlin weekly after spring", "cron(0 9 * * MON)", "Europe/Berlin", utc(2025, 3, 28, 12, 0), utc(2025, 3, 31, 7, 0)},
		{"berlin weekly after fall", "cron(0 9 * * MON)", "Europe/Berlin", utc(2025, 10, 24, 12, 0), utc(2025, 10, 27, 8, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := parseSchedule(tt.spec, mustLocation(t, tt.zone))
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Next(tt.from); !got.Equal(tt.want) {
				t.Errorf("%q in %s: Next(%s) = %s, want %s", tt.spec, tt.zone, tt.from, got.UTC(), tt.want)
			}
		})
	}
}

// TestScheduleDailyOnceAcrossDST checks that a daily schedule fires exactly
// once on each local day around every 2025 change of both zones.
func TestScheduleDailyOnceAcrossDST(t *testing.T) {
	t.Parallel()
	changes := []struct {
		zone string
		day  time.Time
	}{
		{"America/New_York", time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC)},
		{"America/New_York", time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(2025, 3, 30, 0, 0, 0, 0, time.UTC)},
		{"Europe/Berlin", time.Date(2025, 10, 26, 0, 0, 0, 0, time.UTC)},
	}
	specs := []string{"0 1 * * *", "30 1 * * *", "0 2 * * *", "30 2 * * *", "59 2 * * *", "0 3 * * *", "cron(15 2 * * ? *)"}
	for _, c := range changes {
		loc := mustLocation(t, c.zone)
		start := time.Date(c.day.Year(), c.day.Month(), c.day.Day()-1, 0, 0, 0, 0, loc)
		end := time.Date(c.day.Year(), c.day.Month(), c.day.Day()+2, 0, 0, 0, 0, loc)
		for _, spec := range specs {
			s, err := parseSchedule(spec, loc)
			if err != nil {
				t.Fatal(err)
			}
			perDay := map[string]int{}
			for at := s.Next(start.Add(-time.Second)); at.Before(end); at = s.Next(at) {
				perDay[at.In(loc).Format("2006-01-02")]++
			}
			for d := 0; d < 3; d++ {
				date := start.AddDate(0, 0, d).Format("2006-01-02")
				if perDay[date] != 1 {
					t.Errorf("%q in %s fired %d times on %s, want once", spec, c.zone, perDay[date], date)
				}
			}
		}
	}
}

func TestScheduleRateCountsFromUnixEpoch(t *testing.T) {
	t.Parallel()
	ny := mustLocation(t, "America/New_York")
	tests := []struct {
		spec       string
		loc        *time.Location
		from, want time.Time
	}{
		// 2025-01-06T10:00:00Z is 1736157600 s after the epoch, 4133708 whole
		// intervals of 420 s plus 240 s.
		{"rate(7 minutes)", time.UTC, utc(2025, 1, 6, 10, 0), utc(2025, 1, 6, 10, 3)},
		{"rate(7 hours)", time.UTC, utc(1970, 1, 1, 0, 0), utc(1970, 1, 1, 7, 0)},
		{"rate(3 days)", time.UTC, utc(1970, 1, 3, 23, 59), utc(1970, 1, 4, 0, 0)},
		{"rate(1 day)", ny, utc(2025, 3, 9, 12, 0), utc(2025, 3, 10, 0, 0)},
		{"rate(1 hour)", ny, utc(2025, 11, 2, 6, 0), utc(2025, 11, 2, 7, 0)},
		{"rate(5 minutes)", time.UTC, utc(1969, 12, 31, 23, 58), utc(1970, 1, 1, 0, 0)},
	}
	for _, tt := range tests {
		s, err := parseSchedule(tt.spec, tt.loc)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Next(tt.from); !got.Equal(tt.want) {
			t.Errorf("%q: Next(%s) = %s, want %s", tt.spec, tt.from, got.UTC(), tt.want)
		}
	}
}

func TestParseScheduleFieldMessages(t *testing.T) {
	t.Parallel()
	tests := []struct{ spec, want string }{
		{"61 * * * *", `invalid cron field "61": minute must be 0-59`},
		{"6x * * * *", `invalid cron field "6x": minute must be 0-59`},
		{"0 25 * * *", `invalid cron field "25": hour must be 0-23`},
		{"0 0 0 * *", `invalid cron field "0": day of month must be 1-31`},
		{"0 0 * 13 *", `invalid cron field "13": month must be 1-12 or JAN-DEC`},
		{"0 0 * FOO *", `invalid cron field "FOO": month must be 1-12 or JAN-DEC`},
		{"0 0 * * 7", `invalid cron field "7": day of week must be 0-6 (0 is Sunday) or SUN-SAT`},
		{"cron(0 9 ? * MOX *)", `invalid cron field "MOX": day of week must be 1-7 (1 is Sunday) or SUN-SAT in cron()`},
		{"cron(0 9 ? * 0 *)", `invalid cron field "0": day of week must be 1-7 (1 is Sunday)`},
		{"1-x * * * *", `invalid cron field "1-x": minute must be 0-59`},
		{"*/0 * * * *", `invalid cron field "*/0": step "0" must be a whole number of at least 1`},
		{"5-2 * * * *", `invalid cron field "5-2": range 5-2 starts after it ends; write the smaller minute first`},
		{"0,,5 * * * *", `invalid cron field "0,,5": a list item is empty`},
		{"0 0 L * *", `invalid cron field "L": "L" is not supported: L, W and # have no meaning here`},
		{"cron(0 9 ? * 2#1 *)", `invalid cron field "2#1": "2#1" is not supported`},
		{"0 0 -1 * *", `invalid cron field "-1": day of month must be 1-31`},
	}
	for _, tt := range tests {
		_, err := parseSchedule(tt.spec, time.UTC)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("parseSchedule(%q) error = %v, want one containing %q", tt.spec, err, tt.want)
			continue
		}
		for _, internal := range []string{"strconv", "Atoi", "end of range", "above maximum"} {
			if strings.Contains(err.Error(), internal) {
				t.Errorf("parseSchedule(%q) error %q shows parser internals", tt.spec, err)
			}
		}
	}
}

func TestParseScheduleAcceptsFieldForms(t *testing.T) {
	t.Parallel()
	for _, spec := range []string{
		"0,15,30,45 * * * *", "0-59/5 * * * *", "5/15 * * * *", "0 9-17 * * MON-FRI",
		"0 0 1 JAN,jul *", "0 0 ? * SUN", "cron(0 9 ? * MON-FRI *)", "cron(0/10 * * * ? *)",
		"cron(0 9 ? * 2-6/2 *)", "cron(0 0 ? * 7 *)",
	} {
		if _, err := parseSchedule(spec, time.UTC); err != nil {
			t.Errorf("parseSchedule(%q): %v", spec, err)
		}
	}
}
