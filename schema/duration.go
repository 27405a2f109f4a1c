package schema

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

const day = 24 * time.Hour

// maxBackoff is the longest retry delay, backoff or max_backoff, that the
// workflow schema accepts.
const maxBackoff = day

// parseDuration parses Go duration syntax ("30s", "1h30m") extended with a
// leading day count ("7d", "1d12h"). The result must be greater than zero.
func parseDuration(s string) (time.Duration, error) {
	text := strings.TrimSpace(s)
	if text == "" {
		return 0, errors.New("duration is empty")
	}
	var total time.Duration
	if days, rest, ok := strings.Cut(text, "d"); ok {
		n, err := strconv.ParseFloat(days, 64)
		if err != nil || n < 0 || math.IsInf(n, 0) || n > float64(math.MaxInt64/int64(day)) {
			return 0, fmt.Errorf("invalid day count %q", days)
		}
		total = time.Duration(n * float64(day))
		text = rest
	}
	if text != "" {
		d, err := time.ParseDuration(text)
		if err != nil {
			return 0, durationSyntaxError(err)
		}
		if d <= 0 {
			return 0, errors.New("duration must be greater than zero")
		}
		if total > math.MaxInt64-d {
			return 0, errors.New("duration is out of range")
		}
		total += d
	}
	if total <= 0 {
		return 0, errors.New("duration must be greater than zero")
	}
	return total, nil
}

// durationSyntaxError shortens time.ParseDuration's message, which repeats
// the input with Go quoting.
func durationSyntaxError(err error) error {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "missing unit"):
		return errors.New("missing unit; use a unit such as s, m, h or d")
	case strings.Contains(msg, "unknown unit"):
		return errors.New("unknown unit; use ns, us, ms, s, m, h or d")
	}
	return errors.New("not a duration")
}

// nodeDuration parses a duration node, adding a problem on failure. A nil
// node is a zero duration.
func nodeDuration(doc *document, n *yaml.Node, problems *Problems) time.Duration {
	if n == nil || n.Kind != yaml.ScalarNode {
		return 0
	}
	d, err := parseDuration(n.Value)
	if err != nil {
		*problems = append(*problems, doc.problem(n, "invalid duration %q: %v (examples: 30s, 5m, 24h, 7d)", n.Value, err))
		return 0
	}
	return d
}
