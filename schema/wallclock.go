package schema

import (
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// maxWallClockSteps bounds the search of wallClockNext. Each step moves at
// least one minute of wall-clock time forward, and the search goes on only
// while the wall time lies in a span that a backward clock change repeats.
// In the time zone database bundled with Go 1.26 no backward change exceeds
// 24 hours (America/Adak and its neighbours in 1867), so 48 hours of
// minutes leave a margin.
const maxWallClockSteps = 48 * 60

// zoneSearchWindow is how far from a wall time, read as UTC, wallInstant
// looks for the offsets in effect. In the time zone database bundled with
// Go 1.26 every offset lies within 16 hours of UTC, so a day covers them.
const zoneSearchWindow = day

// cronSearchYears is how far ahead elapsedNext looks for a firing before
// it gives up and returns the zero time. robfig/cron v3 gives up after the
// same five years.
const cronSearchYears = 5

// isFixedTime reports whether a schedule's minute and hour fields, the
// first two of fields, list only single values, as in "30 2" or
// "0,30 9,17". Any "*", "?", range or step makes the schedule an interval
// schedule instead.
func isFixedTime(fields []string) bool {
	return !strings.ContainsAny(fields[0]+" "+fields[1], "*?-/")
}

// wallClockNext returns a Next function for a fixed-time schedule that
// matches the wall clock of loc. The schedule runs on wall-clock times,
// read as UTC so that they have no gaps, and each firing is then mapped to
// an instant:
//   - a wall time that the zone skips fires at the end of the gap, the
//     first instant that exists after it, and all the skipped times of one
//     gap share that single firing;
//   - a wall time that the zone repeats fires at its first occurrence only.
func wallClockNext(spec *cron.SpecSchedule, loc *time.Location) func(time.Time) time.Time {
	spec.Location = time.UTC
	return func(t time.Time) time.Time {
		wall := wallClock(t.In(loc))
		for range maxWallClockSteps {
			wall = spec.Next(wall)
			if wall.IsZero() {
				return wall
			}
			if at := wallInstant(wall, loc); at.After(t) {
				return at.In(t.Location())
			}
		}
		// Not reached with the bundled time zone database (see
		// maxWallClockSteps). The zero time means no firing, as it does when
		// robfig/cron finds none.
		return time.Time{}
	}
}

// elapsedNext returns a Next function for an interval schedule: it fires
// at every instant whose wall clock in loc matches the schedule, in order
// of elapsed time. A wall time that a forward clock change skips does not
// fire, and a wall time that a backward change repeats fires at both of
// its occurrences. Within a span of constant UTC offset the wall clock is
// the instant plus the offset. So the search runs the schedule on the wall
// clock of one span at a time, and it moves on to the next span when the
// match lies beyond the span's end. robfig/cron v3, given loc itself, rebuilds
// times with time.Date, which leaves open which occurrence of a repeated
// wall time it returns, so the offsets are handled here.
func elapsedNext(spec *cron.SpecSchedule, loc *time.Location) func(time.Time) time.Time {
	spec.Location = time.UTC
	return func(t time.Time) time.Time {
		limit := t.AddDate(cronSearchYears, 0, 0)
		from, after := t, wallClock(t.In(loc))
		for !from.After(limit) {
			local := from.In(loc)
			_, offset := local.Zone()
			_, end := local.ZoneBounds()
			wall := spec.Next(after)
			if wall.IsZero() {
				return wall
			}
			at := wall.Add(-time.Duration(offset) * time.Second)
			if end.IsZero() || at.Before(end) {
				return at.In(t.Location())
			}
			// The first match of the next span may fall on its first
			// instant, so the search starts just before it.
			from, after = end, wallClock(end.In(loc)).Add(-time.Nanosecond)
		}
		return time.Time{}
	}
}

// wallClock returns the wall-clock reading of t as the same reading in UTC.
func wallClock(t time.Time) time.Time {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	return time.Date(y, mo, d, h, mi, s, t.Nanosecond(), time.UTC)
}

// wallInstant returns the earliest instant whose wall clock in loc reads
// wall (given in UTC). When loc skips that reading, it returns the instant
// at which the skipped span ends.
func wallInstant(wall time.Time, loc *time.Location) time.Time {
	if loc == time.UTC {
		return wall
	}
	var first, gapEnd time.Time
	end := wall.Add(zoneSearchWindow)
	for at := wall.Add(-zoneSearchWindow); at.Before(end); {
		local := at.In(loc)
		_, offset := local.Zone()
		shift := time.Duration(offset) * time.Second
		candidate := wall.Add(-shift)
		if _, o := candidate.In(loc).Zone(); o == offset && (first.IsZero() || candidate.Before(first)) {
			first = candidate
		}
		_, next := local.ZoneBounds()
		if next.IsZero() {
			break
		}
		// A forward change at next skips the readings from next+shift up
		// to next+nextShift.
		_, nextOffset := next.In(loc).Zone()
		nextShift := time.Duration(nextOffset) * time.Second
		if gapEnd.IsZero() && !wall.Before(next.Add(shift)) && wall.Before(next.Add(nextShift)) {
			gapEnd = next
		}
		at = next
	}
	if !first.IsZero() {
		return first
	}
	return gapEnd
}
