package engine

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/policycortex/policycortex/store"
)

// MaxEventSize is the largest CloudEvent body accepted, in bytes.
const MaxEventSize = 1 << 20

// MaxDepth is the deepest nesting of lists and objects accepted in an event
// and in a step's output. Deeper documents are rejected, because every
// listing that shows them would grow with the square of the depth.
const MaxDepth = 64

// ErrInvalidEvent marks an event rejected for its content; HTTP callers map
// it to 400.
var ErrInvalidEvent = errors.New("invalid event")

// Event is a parsed CloudEvents 1.0 event in structured JSON mode.
type Event struct {
	ID     string
	Source string
	Type   string
	Time   time.Time
	// Data is the event's data object; an absent data is an empty map.
	Data map[string]any
	// Attributes is the whole event as a JSON object, data included.
	Attributes map[string]any
	Raw        []byte
}

// ParseEvent decodes and checks a CloudEvents 1.0 JSON event: specversion
// "1.0", non-empty id, source and type, an RFC 3339 time when present, and a
// data member that is a JSON object when present.
func ParseEvent(raw []byte) (*Event, error) {
	if len(raw) > MaxEventSize {
		return nil, fmt.Errorf("%w: body is %d bytes, over the %d byte limit", ErrInvalidEvent, len(raw), MaxEventSize)
	}
	if !utf8.Valid(raw) {
		return nil, fmt.Errorf("%w: body is not valid UTF-8, which JSON requires", ErrInvalidEvent)
	}
	var attrs map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&attrs); err != nil {
		return nil, fmt.Errorf("%w: body is not a JSON object: %v", ErrInvalidEvent, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrInvalidEvent)
	}
	if attrs == nil {
		return nil, fmt.Errorf("%w: body is null; send the event as a JSON object", ErrInvalidEvent)
	}
	if d := depth(attrs, MaxDepth+1); d > MaxDepth {
		return nil, fmt.Errorf("%w: nested more than %d levels deep", ErrInvalidEvent, MaxDepth)
	}
	if err := checkAttributeNames(attrs); err != nil {
		return nil, err
	}
	if err := checkDuplicateKeys(raw); err != nil {
		return nil, err
	}
	attrs = normalizeNumbers(attrs).(map[string]any)

	ev := &Event{Attributes: attrs, Raw: raw}
	switch v, present := attrs["specversion"]; {
	case !present:
		return nil, fmt.Errorf("%w: attribute \"specversion\" is missing; set it to \"1.0\"", ErrInvalidEvent)
	case v != "1.0":
		return nil, fmt.Errorf("%w: specversion must be \"1.0\", got %s", ErrInvalidEvent, describeJSON(v))
	}
	for _, field := range []struct {
		name string
		dst  *string
	}{{"id", &ev.ID}, {"source", &ev.Source}, {"type", &ev.Type}} {
		s, ok := attrs[field.name].(string)
		if !ok || s == "" {
			return nil, fmt.Errorf("%w: attribute %q is missing or not a non-empty string", ErrInvalidEvent, field.name)
		}
		*field.dst = s
	}
	if err := parseEventTime(ev, attrs); err != nil {
		return nil, err
	}
	if err := parseEventData(ev, attrs); err != nil {
		return nil, err
	}
	return ev, nil
}

// checkAttributeNames applies the CloudEvents naming rule, lowercase ASCII
// letters and digits, and rejects data_base64: binary data has no fields for
// triggers and templates to read.
func checkAttributeNames(attrs map[string]any) error {
	if _, ok := attrs["data_base64"]; ok {
		return fmt.Errorf("%w: data_base64 (binary data) is not supported; send data as a JSON object", ErrInvalidEvent)
	}
	for name := range attrs {
		if name == "" || strings.IndexFunc(name, func(r rune) bool { return (r < 'a' || r > 'z') && (r < '0' || r > '9') }) >= 0 {
			return fmt.Errorf("%w: attribute name %q is invalid: CloudEvents attribute names use only lowercase letters a-z and digits", ErrInvalidEvent, name)
		}
	}
	return nil
}

func parseEventTime(ev *Event, attrs map[string]any) error {
	raw, present := attrs["time"]
	if !present {
		return nil
	}
	s, ok := raw.(string)
	if !ok {
		return fmt.Errorf("%w: attribute \"time\" must be an RFC 3339 string", ErrInvalidEvent)
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("%w: attribute \"time\" %q is not RFC 3339: %v", ErrInvalidEvent, s, err)
	}
	ev.Time = t.UTC()
	return nil
}

func parseEventData(ev *Event, attrs map[string]any) error {
	raw, present := attrs["data"]
	if !present || raw == nil {
		ev.Data = map[string]any{}
		attrs["data"] = ev.Data
		return nil
	}
	data, ok := raw.(map[string]any)
	if !ok {
		return fmt.Errorf("%w: attribute \"data\" must be a JSON object, got %s", ErrInvalidEvent, describeJSON(raw))
	}
	ev.Data = data
	return nil
}

// normalizeNumbers turns json.Number values into int64 when integral and
// float64 otherwise, so expressions compare them as numbers.
func normalizeNumbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalizeNumbers(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = normalizeNumbers(x)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

// describeJSON names a decoded JSON value for an error message: its kind,
// and for a short scalar its text.
func describeJSON(v any) string {
	switch t := v.(type) {
	case map[string]any:
		return "an object"
	case []any:
		return "a list"
	case nil:
		return "null"
	case string:
		if len(t) > 40 {
			return "a long string"
		}
		return fmt.Sprintf("the string %q", t)
	default:
		return fmt.Sprintf("%v", t)
	}
}

// depth returns how deeply lists and objects nest in v, counting a scalar
// as 0, and stops counting at limit.
func depth(v any, limit int) int {
	if limit <= 0 {
		return 0
	}
	deepest := 0
	switch t := v.(type) {
	case map[string]any:
		for _, x := range t {
			deepest = max(deepest, depth(x, limit-1))
		}
	case []any:
		for _, x := range t {
			deepest = max(deepest, depth(x, limit-1))
		}
	default:
		return 0
	}
	return deepest + 1
}

// decodeJSON decodes a stored JSON value with the same number rules as
// events, so live and resumed runs see identical values.
func decodeJSON(raw []byte) (any, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return normalizeNumbers(v), nil
}

// roundTrip passes a value through JSON so that a step output seen live
// equals the one read back after a restart.
func roundTrip(v any) (any, json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, nil, err
	}
	out, err := decodeJSON(raw)
	if err != nil {
		return nil, nil, err
	}
	if depth(out, MaxDepth+1) > MaxDepth {
		return nil, nil, fmt.Errorf("nested more than %d levels deep", MaxDepth)
	}
	return out, raw, nil
}

// storeEvent converts a parsed event for ingestion.
func storeEvent(ev *Event, receivedAt time.Time) store.Event {
	return store.Event{
		Source:     ev.Source,
		ID:         ev.ID,
		Type:       ev.Type,
		Time:       ev.Time,
		Body:       ev.Raw,
		ReceivedAt: receivedAt,
	}
}
