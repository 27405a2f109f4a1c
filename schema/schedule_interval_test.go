package schema

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIsFixedTime(t *testing.T) {
	t.Parallel()
	tests := []struct {
		spec string
		want bool
	}{
		{"30 2 * * *", true},
		{"0,30 9,17 * * 1-5", true},
		{"0 9 1 JAN *", true},
		{"0 * * * *", false},
		{"*/15 * * * *", false},
		{"*/15 2 * * *", false},
		{"0 9-17 * * *", false},
		{"0 */2 * * *", false},
		{"0-10 2 * * *", false},
		{"5/15 2 * * *", false},
	}
	for _, tt := range tests {
		fields, err := cronFields(tt.spec)
		if err != nil {
			t.Fatal(err)
		}
		if got := isFixedTime(strings.Fields(fields)); got != tt.want {
			t.Errorf("isFixedTime(%q) = %t, want %t", tt.spec, got, tt.want)
		}
	}
}

// An interval schedule follows elapsed time: it fires at every instant
// whose wall clock matches, so it skips the wall times of a forward change
// and fires at both occurrences of the wall times of a backward change.
// The 2025 changes of both zones are listed above TestScheduleNextAcrossDST.
func TestScheduleIntervalAcrossDST(t *testing.T) {
	t.Parallel()
	const ny, berlin = "America/New_York", "Europe/Berlin"
	tests := []struct {
		name, spec, zone string
		from             time.Time
		want             []time.Time
	}{
		{"ny hourly fall", "0 * * * *", ny, utc(2025, 11, 2, 4, 30),
			[]time.Time{utc(2025, 11, 2, 5, 0), utc(2025, 11, 2, 6, 0), utc(2025, 11, 2, 7, 0), utc(2025, 11, 2, 8, 0)}},
		{"ny quarter hours fall", "*/15 * * * *", ny, utc(2025, 11, 2, 5, 40),
			[]time.Time{utc(2025, 11, 2, 5, 45), utc(2025, 11, 2, 6, 0), utc(2025, 11, 2, 6, 15), utc(2025, 11, 2, 6, 30), utc(2025, 11, 2, 6, 45), utc(2025, 11, 2, 7, 0)}},
		{"ny hour range fall", "30 1-2 * * *", ny, utc(2025, 11, 2, 5, 0),
			[]time.Time{utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 30), utc(2025, 11, 2, 7, 30), utc(2025, 11, 3, 6, 30)}},
		{"ny minute step fixed hour fall", "*/30 1 * * *", ny, utc(2025, 11, 2, 4, 59),
			[]time.Time{utc(2025, 11, 2, 5, 0), utc(2025, 11, 2, 5, 30), utc(2025, 11, 2, 6, 0), utc(2025, 11, 2, 6, 30), utc(2025, 11, 3, 6, 0)}},
		{"ny hour step fall", "0 */2 * * *", ny, utc(2025, 11, 2, 3, 30),
			[]time.Time{utc(2025, 11, 2, 4, 0), utc(2025, 11, 2, 7, 0), utc(2025, 11, 2, 9, 0)}},
		{"ny aws form fall", "cron(0 * * * ? *)", ny, utc(2025, 11, 2, 5, 0),
			[]time.Time{utc(2025, 11, 2, 6, 0), utc(2025, 11, 2, 7, 0)}},
		{"ny hourly spring", "0 * * * *", ny, utc(2025, 3, 9, 5, 30),
			[]time.Time{utc(2025, 3, 9, 6, 0), utc(2025, 3, 9, 7, 0), utc(2025, 3, 9, 8, 0)}},
		{"ny quarter hours spring", "*/15 * * * *", ny, utc(2025, 3, 9, 6, 40),
			[]time.Time{utc(2025, 3, 9, 6, 45), utc(2025, 3, 9, 7, 0), utc(2025, 3, 9, 7, 15)}},
		{"ny skipped hour only", "*/30 2 * * *", ny, utc(2025, 3, 9, 5, 0),
			[]time.Time{utc(2025, 3, 10, 6, 0), utc(2025, 3, 10, 6, 30)}},
		{"ny hour range spring", "0 1-3 * * *", ny, utc(2025, 3, 9, 5, 0),
			[]time.Time{utc(2025, 3, 9, 6, 0), utc(2025, 3, 9, 7, 0), utc(2025, 3, 10, 5, 0)}},
		{"berlin hourly fall", "0 * * * *", berlin, utc(2025, 10, 25, 23, 30),
			[]time.Time{utc(2025, 10, 26, 0, 0), utc(2025, 10, 26, 1, 0), utc(2025, 10, 26, 2, 0)}},
		{"berlin repeated hour steps", "*/20 2 * * *", berlin, utc(2025, 10, 25, 23, 50),
			[]time.Time{utc(2025, 10, 26, 0, 0), utc(2025, 10, 26, 0, 20), utc(2025, 10, 26, 0, 40), utc(2025, 10, 26, 1, 0), utc(2025, 10, 26, 1, 20), utc(2025, 10, 26, 1, 40), utc(2025, 10, 27, 1, 0)}},
		{"berlin hourly spring", "0 * * * *", berlin, utc(2025, 3, 29, 23, 30),
			[]time.Time{utc(2025, 3, 30, 0, 0), utc(2025, 3, 30, 1, 0), utc(2025, 3, 30, 2, 0)}},
		{"berlin minute list spring", "15,45 * * * *", berlin, utc(2025, 3, 30, 0, 30),
			[]time.Time{utc(2025, 3, 30, 0, 45), utc(2025, 3, 30, 1, 15)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := parseSchedule(tt.spec, mustLocation(t, tt.zone))
			if err != nil {
				t.Fatal(err)
			}
			var got []time.Time
			for at := tt.from; len(got) < len(tt.want); {
				at = s.Next(at).UTC()
				got = append(got, at)
			}
			if !slices.EqualFunc(got, tt.want, time.Time.Equal) {
				t.Errorf("%q in %s from %s fired at\n%v, want\n%v", tt.spec, tt.zone, tt.from, got, tt.want)
			}
		})
	}
}

// TestScheduleHourlyCountsElapsedHours checks that an hourly schedule fires
// once per elapsed hour of each local day: 23 times on a spring-forward day
// and 25 times on a fall-back day.
func TestScheduleHourlyCountsElapsedHours(t *testing.T) {
	t.Parallel()
	tests := []struct {
		zone string
		day  time.Time
		want int
	}{
		{"America/New_York", time.Date(2025, 3, 9, 0, 0, 0, 0, time.UTC), 23},
		{"America/New_York", time.Date(2025, 11, 2, 0, 0, 0, 0, time.UTC), 25},
		{"America/New_York", time.Date(2025, 11, 3, 0, 0, 0, 0, time.UTC), 24},
		{"Europe/Berlin", time.Date(2025, 3, 30, 0, 0, 0, 0, time.UTC), 23},
		{"Europe/Berlin", time.Date(2025, 10, 26, 0, 0, 0, 0, time.UTC), 25},
	}
	for _, tt := range tests {
		loc := mustLocation(t, tt.zone)
		s, err := parseSchedule("0 * * * *", loc)
		if err != nil {
			t.Fatal(err)
		}
		start := time.Date(tt.day.Year(), tt.day.Month(), tt.day.Day(), 0, 0, 0, 0, loc)
		end := time.Date(tt.day.Year(), tt.day.Month(), tt.day.Day()+1, 0, 0, 0, 0, loc)
		got := 0
		for at := s.Next(start.Add(-time.Second)); at.Before(end); at = s.Next(at) {
			got++
		}
		if got != tt.want {
			t.Errorf("hourly in %s on %s fired %d times, want %d", tt.zone, tt.day.Format(time.DateOnly), got, tt.want)
		}
	}
}

func TestScheduleIntervalNeverFiringSpec(t *testing.T) {
	t.Parallel()
	// February 30 never exists, so parseSchedule rejects the spec before
	// any search runs.
	if _, err := parseSchedule("*/5 * 30 2 *", mustLocation(t, "Europe/Berlin")); err == nil {
		t.Error("parseSchedule accepted a schedule that never fires")
	}
}

// TestScheduleIntervalMatchesMinuteScan compares the firings of interval
// schedules with a scan of every minute around daylight-saving changes.
// The changes include the half-hour ones of Australia/Lord_Howe. In 2025
// it falls back from 02:00 to 01:30 on April 6 and springs forward from
// 02:00 to 02:30 on October 5.
func TestScheduleIntervalMatchesMinuteScan(t *testing.T) {
	t.Parallel()
	windows := []struct {
		zone string
		day  time.Time
	}{
		{"America/New_York", utc(2025, 3, 9, 0, 0)},
		{"America/New_York", utc(2025, 11, 2, 0, 0)},
		{"Europe/Berlin", utc(2025, 3, 30, 0, 0)},
		{"Europe/Berlin", utc(2025, 10, 26, 0, 0)},
		{"Australia/Lord_Howe", utc(2025, 4, 5, 0, 0)},
		{"Australia/Lord_Howe", utc(2025, 10, 4, 0, 0)},
	}
	specs := []string{"*/15 * * * *", "0 * * * *", "30 1-3 * * *", "*/20 2 * * *", "10,40 */2 * * *"}
	for _, w := range windows {
		loc := mustLocation(t, w.zone)
		start, end := w.day.Add(-12*time.Hour), w.day.Add(60*time.Hour)
		for _, spec := range specs {
			s, err := parseSchedule(spec, loc)
			if err != nil {
				t.Fatal(err)
			}
			utcSchedule, err := parseSchedule(spec, time.UTC)
			if err != nil {
				t.Fatal(err)
			}
			var want, got []time.Time
			for at := start; at.Before(end); at = at.Add(time.Minute) {
				wall := wallClock(at.In(loc))
				if utcSchedule.Next(wall.Add(-time.Second)).Equal(wall) {
					want = append(want, at)
				}
			}
			for at := s.Next(start.Add(-time.Second)); at.Before(end); at = s.Next(at) {
				got = append(got, at.UTC())
			}
			if !slices.EqualFunc(got, want, time.Time.Equal) {
				t.Errorf("%q in %s around %s fired at\n%v, want\n%v", spec, w.zone, w.day.Format(time.DateOnly), got, want)
			}
		}
	}
}
