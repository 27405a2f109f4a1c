package schema

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// cronField describes one of the five cron fields for validation.
type cronField struct {
	name     string
	min, max int
	// names maps lower-case month or weekday names to their numbers.
	names map[string]int
	// allowed is the valid range as shown in messages.
	allowed string
}

var monthNames = map[string]int{
	"jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6,
	"jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11, "dec": 12,
}

// standardWeekdays numbers weekday names 0-6 from Sunday, as five-field
// cron does.
var standardWeekdays = map[string]int{"sun": 0, "mon": 1, "tue": 2, "wed": 3, "thu": 4, "fri": 5, "sat": 6}

// awsWeekdays numbers weekday names 1-7 from Sunday, as the cron() form
// does.
var awsWeekdays = map[string]int{"sun": 1, "mon": 2, "tue": 3, "wed": 4, "thu": 5, "fri": 6, "sat": 7}

// cronFieldSpecs returns the five fields in order, with the day-of-week
// numbering of five-field cron or, when aws is set, of the cron() form.
func cronFieldSpecs(aws bool) [5]cronField {
	weekday := cronField{name: "day of week", min: 0, max: 6, names: standardWeekdays, allowed: "0-6 (0 is Sunday) or SUN-SAT"}
	if aws {
		weekday = cronField{name: "day of week", min: 1, max: 7, names: awsWeekdays, allowed: "1-7 (1 is Sunday) or SUN-SAT in cron()"}
	}
	return [5]cronField{
		{name: "minute", min: 0, max: 59, allowed: "0-59"},
		{name: "hour", min: 0, max: 23, allowed: "0-23"},
		{name: "day of month", min: 1, max: 31, allowed: "1-31"},
		{name: "month", min: 1, max: 12, names: monthNames, allowed: "1-12 or JAN-DEC"},
		weekday,
	}
}

// unsupportedCronSyntax matches the L, W and # forms of Quartz and AWS cron,
// which the schedule parser does not implement.
var unsupportedCronSyntax = regexp.MustCompile(`^(\d*L|\d+W|LW|\w+#\d+)$`)

// checkCronFields validates five cron fields and returns an error that
// names the first invalid field and its allowed values, such as
// `invalid cron field "61": minute must be 0-59`.
func checkCronFields(fields []string, aws bool) error {
	specs := cronFieldSpecs(aws)
	for i, text := range fields {
		if detail := specs[i].check(text); detail != "" {
			return fmt.Errorf("invalid cron field %q: %s", text, detail)
		}
	}
	return nil
}

// check returns what is wrong with one field, or "" when it is valid. A
// field is a comma-separated list of items, each "*", "?", a value or a
// range "a-b", optionally followed by a step "/n".
func (f cronField) check(text string) string {
	for _, item := range strings.Split(text, ",") {
		if item == "" {
			return "a list item is empty"
		}
		base, step, hasStep := strings.Cut(item, "/")
		if hasStep {
			n, err := strconv.Atoi(step)
			if err != nil || n < 1 {
				return fmt.Sprintf("step %q must be a whole number of at least 1", step)
			}
		}
		if base == "*" || base == "?" {
			continue
		}
		low, high, isRange := strings.Cut(base, "-")
		start, detail := f.value(low)
		if detail != "" {
			return detail
		}
		if !isRange {
			continue
		}
		end, detail := f.value(high)
		if detail != "" {
			return detail
		}
		if start > end {
			return fmt.Sprintf("range %s starts after it ends; write the smaller %s first", base, f.name)
		}
	}
	return ""
}

// value parses one number or name of the field.
func (f cronField) value(text string) (int, string) {
	if n, ok := f.names[strings.ToLower(text)]; ok {
		return n, ""
	}
	n, err := strconv.Atoi(text)
	switch {
	case err == nil && n >= f.min && n <= f.max:
		return n, ""
	case err != nil && unsupportedCronSyntax.MatchString(text):
		return 0, fmt.Sprintf("%q is not supported: L, W and # have no meaning here", text)
	}
	return 0, fmt.Sprintf("%s must be %s", f.name, f.allowed)
}
