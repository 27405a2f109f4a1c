package expr

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// formatText writes a plain Go value as template text: strings as they
// are, integral numbers without a trailing ".0", other numbers in the
// shortest decimal form, times in RFC 3339, null as "null", and lists and
// maps as JSON.
func formatText(b *strings.Builder, value any) error {
	switch v := value.(type) {
	case nil:
		b.WriteString("null")
	case string:
		b.WriteString(v)
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		b.WriteString(formatFloat(v))
	case time.Time:
		b.WriteString(v.Format(time.RFC3339Nano))
	case []any, map[string]any:
		out, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("format value as JSON: %w", err)
		}
		b.Write(out)
	default:
		fmt.Fprint(b, v)
	}
	return nil
}

// formatFloat drops the fraction of integral values, so a JSON number
// 15000 renders as "15000" and not "15000.0" or "1.5e+04".
func formatFloat(f float64) string {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return strconv.FormatFloat(f, 'g', -1, 64)
	}
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', 0, 64)
	}
	return strconv.FormatFloat(f, 'f', -1, 64)
}
