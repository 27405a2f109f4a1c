package schema

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // judge time zones the same way on every machine

	"github.com/robfig/cron/v3"
)

// parseSchedule parses a trigger schedule in one of three forms:
// "cron(0 9 * * MON)" (AWS style), "0 9 * * 1" (five-field cron) and
// "rate(5 minutes)". Schedule documents when each form fires.
func parseSchedule(spec string, loc *time.Location) (*Schedule, error) {
	text := strings.TrimSpace(spec)
	out := &Schedule{Spec: spec, Location: loc}
	if strings.HasPrefix(text, "rate(") && strings.HasSuffix(text, ")") {
		interval, err := parseRate(text[len("rate(") : len(text)-1])
		if err != nil {
			return nil, err
		}
		out.Next = rateNext(interval)
		return out, nil
	}

	fields, err := cronFields(text)
	if err != nil {
		return nil, err
	}
	next, err := compileCron(fields, loc)
	if err != nil {
		return nil, err
	}
	out.Next = next
	return out, nil
}

// rateNext returns a Next function that fires at every whole multiple of
// interval since the Unix epoch. interval is a whole number of minutes.
func rateNext(interval time.Duration) func(time.Time) time.Time {
	step := int64(interval / time.Second)
	return func(t time.Time) time.Time {
		secs := t.Unix()
		k := secs / step
		if secs%step < 0 {
			k--
		}
		return time.Unix((k+1)*step, 0).In(t.Location())
	}
}

// cronFields returns the five standard cron fields of a cron schedule,
// each checked so that an error names the invalid field.
func cronFields(text string) (string, error) {
	switch {
	case strings.HasPrefix(text, "cron(") && strings.HasSuffix(text, ")"):
		fields, err := awsCronFields(text[len("cron(") : len(text)-1])
		if err != nil {
			return "", err
		}
		return strings.Join(fields, " "), nil
	case strings.HasPrefix(text, "TZ=") || strings.HasPrefix(text, "CRON_TZ="):
		return "", errors.New("set the time zone with trigger.timezone, not in the schedule")
	case strings.HasPrefix(text, "@"):
		return "", errors.New("descriptors such as @daily are not supported; write five cron fields")
	}
	fields := strings.Fields(text)
	if n := len(fields); n != 5 {
		return "", fmt.Errorf("cron expression needs 5 fields (minute hour day-of-month month day-of-week), got %d", n)
	}
	if err := checkCronFields(fields, false); err != nil {
		return "", err
	}
	return strings.Join(fields, " "), nil
}

// compileCron parses five checked cron fields and returns the schedule's
// Next on the wall clock of loc: wallClockNext for a fixed-time schedule,
// elapsedNext for an interval schedule. A spec that never fires, such as
// "0 0 30 2 *", is an error.
func compileCron(fields string, loc *time.Location) (func(time.Time) time.Time, error) {
	parser := cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)
	sched, err := parser.Parse(fields)
	if err != nil {
		// checkCronFields accepts only what the parser accepts, so the
		// parser's own wording is never shown.
		return nil, fmt.Errorf("invalid cron expression %q", fields)
	}
	spec, ok := sched.(*cron.SpecSchedule)
	if !ok {
		return nil, fmt.Errorf("invalid cron expression %q", fields)
	}

	// robfig/cron searches five years ahead and returns the zero time when
	// nothing matches. Probing from 2000, a leap year, counts February 29
	// as a date that exists.
	spec.Location = time.UTC
	probe := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	if spec.Next(probe).IsZero() {
		return nil, errors.New("cron expression never fires")
	}
	if isFixedTime(strings.Fields(fields)) {
		return wallClockNext(spec, loc), nil
	}
	return elapsedNext(spec, loc), nil
}

// parseRate parses "N unit" with unit minute(s), hour(s) or day(s).
func parseRate(body string) (time.Duration, error) {
	parts := strings.Fields(body)
	if len(parts) != 2 {
		return 0, errors.New(`rate needs a count and a unit, as in "rate(5 minutes)"`)
	}
	n, err := strconv.Atoi(parts[0])
	if err != nil || n < 1 {
		return 0, fmt.Errorf("rate count %q must be a whole number of at least 1", parts[0])
	}
	var unit time.Duration
	switch parts[1] {
	case "minute", "minutes":
		unit = time.Minute
	case "hour", "hours":
		unit = time.Hour
	case "day", "days":
		unit = day
	default:
		return 0, fmt.Errorf("rate unit %q must be minute(s), hour(s) or day(s)", parts[1])
	}
	if int64(n) > int64(1<<62)/int64(unit) {
		return 0, fmt.Errorf("rate %s is too long", body)
	}
	return time.Duration(n) * unit, nil
}

// awsCronFields converts the AWS form's fields to the five standard ones.
// AWS allows a sixth year field, accepted here only as "*" or "?", and
// numbers days of the week 1-7 from Sunday where standard cron uses 0-6.
// "?" means the same as "*".
func awsCronFields(body string) ([]string, error) {
	fields := strings.Fields(body)
	switch len(fields) {
	case 5:
	case 6:
		if y := fields[5]; y != "*" && y != "?" {
			return nil, fmt.Errorf("year field %q is not supported; use * or leave it out", y)
		}
		fields = fields[:5]
	default:
		return nil, fmt.Errorf("cron() needs 5 fields (minute hour day-of-month month day-of-week) or 6 with a year, got %d", len(fields))
	}
	if err := checkCronFields(fields, true); err != nil {
		return nil, err
	}
	for i, f := range fields {
		fields[i] = strings.ReplaceAll(f, "?", "*")
	}
	fields[4] = shiftAWSWeekdays(fields[4])
	return fields, nil
}

// shiftAWSWeekdays rewrites the numeric days of the week of a checked field
// from AWS numbering (1 = Sunday) to standard numbering (0 = Sunday). Names
// and steps stay as written.
func shiftAWSWeekdays(field string) string {
	items := strings.Split(field, ",")
	for i, item := range items {
		base, step, hasStep := strings.Cut(item, "/")
		bounds := strings.Split(base, "-")
		for j, b := range bounds {
			if n, err := strconv.Atoi(b); err == nil {
				bounds[j] = strconv.Itoa(n - 1)
			}
		}
		items[i] = strings.Join(bounds, "-")
		if hasStep {
			items[i] += "/" + step
		}
	}
	return strings.Join(items, ",")
}

// loadLocation resolves an IANA time zone name; empty means UTC.
func loadLocation(name string) (*time.Location, error) {
	switch name {
	case "", "UTC":
		return time.UTC, nil
	case "Local":
		return nil, errors.New(`"Local" depends on the machine; name an IANA time zone such as Europe/Paris`)
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return nil, fmt.Errorf("unknown time zone %q; use an IANA name such as America/New_York or UTC", name)
	}
	return loc, nil
}
