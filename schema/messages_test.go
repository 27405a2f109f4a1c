package schema

import (
	"strings"
	"testing"
)

// goInternals are fragments of messages that show Go types, Go time
// layouts or library wording instead of plain words.
var goInternals = []string{
	"interface {}", "<nil>", "%!", "2006-01-02", "parsing time", "strconv", "Atoi", "jsonType",
	"failing loading", "json-pointer in", "file:///policycortex", "'not' failed",
	"exclusiveMinimum:", "multipleOf:", "end of range", "error parsing regexp", "parse \"",
}

// formatsAction is a user-defined action whose parameters use the
// standard formats and the rarer keywords of JSON Schema.
const formatsAction = `action:
  name: formats
  parameters:
    type: object
    properties:
      day: {type: string, format: date}
      at: {type: string, format: date-time}
      clock: {type: string, format: time}
      link: {type: string, format: uri}
      pattern: {type: string, format: regex}
      count: {type: number, exclusiveMinimum: 5, multipleOf: 2}
      ratio: {type: number, maximum: 0.5}
      picks: {type: array, contains: {const: 1}, minContains: 2}
      plain: {not: {type: string}}
      pair: {type: object, dependentRequired: {a: [b]}}
      limit: {type: integer}
  http:
    url: https://example.com/hook
`

func TestMessagesUsePlainWords(t *testing.T) {
	t.Parallel()
	workflow := func(params string) string {
		return "workflow:\n  name: w\n  trigger: {event: x}\n  steps:\n    - name: s\n      action: formats\n      parameters:\n" + params
	}
	tests := []struct {
		name  string
		files Files
		want  string
	}{
		{"date layout", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        day: 31-01-2025\n"))},
			`parameter "day" is not a valid date such as 2025-01-31`},
		{"date out of range", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        day: 2025-13-01\n"))},
			`parameter "day" is not a valid date such as 2025-01-31`},
		{"date-time", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        at: '2025-01-31T25:00:00Z'\n"))},
			`parameter "at" is not a valid RFC 3339 date-time such as 2025-01-31T09:00:00Z`},
		{"uri", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        link: '::x'\n"))},
			`parameter "link" is not a valid absolute URI such as https://example.com/path: missing protocol scheme`},
		{"regex", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        pattern: '['\n"))},
			`parameter "pattern" is not a valid regular expression: missing closing ] in "["`},
		{"exclusive minimum", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        count: 5\n"))},
			`parameter "count" must be greater than 5; got 5`},
		{"multiple of", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        count: 7\n"))},
			`parameter "count" must be a multiple of 2; got 7`},
		{"decimal maximum", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        ratio: 0.75\n"))},
			`parameter "ratio" must be at most 0.5; got 0.75`},
		{"min contains", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        picks: [1, 2]\n"))},
			`parameter "picks" must have at least 2 items that match the contains schema; 1 do`},
		{"not", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        plain: text\n"))},
			`parameter "plain" matches a schema that it must not match`},
		{"dependent required", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        pair: {a: 1}\n"))},
			`parameter "pair" has the key "a", so it also needs "b"`},
		{"infinity", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        limit: .inf\n"))},
			`parameter "limit" is .inf or .nan, which has no JSON value; write a finite number`},
		{"null value", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        day: null\n"))},
			`parameter "day" must be a string, got null`},
		{"list value", Files{"actions/f.yaml": []byte(formatsAction), "workflows/w.yaml": []byte(workflow("        day: [a]\n"))},
			`parameter "day" must be a string, got a list`},
		{"mapping value", Files{"workflows/w.yaml": []byte("workflow:\n  name: w\n  description: {a: 1}\n  trigger: {event: x}\n  steps: [{name: s, condition: 'true'}]\n")},
			`"description" must be a string, got a mapping`},
		{"retry nan", Files{"workflows/w.yaml": []byte("workflow:\n  name: w\n  trigger: {event: x}\n  steps: [{name: s, condition: 'true', retry: {max_attempts: .nan}}]\n")},
			`"max_attempts" is .inf or .nan, which has no JSON value`},
		{"cron field", Files{"workflows/w.yaml": []byte("workflow:\n  name: w\n  trigger: {schedule: '61 * * * *'}\n  steps: [{name: s, condition: 'true'}]\n")},
			`invalid cron field "61": minute must be 0-59`},
		{"cron name", Files{"workflows/w.yaml": []byte("workflow:\n  name: w\n  trigger: {schedule: 'cron(0 9 ? * MOX *)'}\n  steps: [{name: s, condition: 'true'}]\n")},
			`invalid cron field "MOX": day of week must be 1-7 (1 is Sunday) or SUN-SAT in cron()`},
		{"external ref", Files{"actions/f.yaml": []byte("action:\n  name: f\n  parameters:\n    type: object\n    properties:\n      x: {$ref: 'http://example.com/s.json'}\n  http: {url: 'https://example.com'}\n")},
			`invalid parameter schema: $ref "http://example.com/s.json" points outside the schema; a parameter schema must be self-contained`},
		{"missing pointer", Files{"actions/f.yaml": []byte("action:\n  name: f\n  parameters:\n    type: object\n    properties:\n      x: {$ref: '#/$defs/nope'}\n  http: {url: 'https://example.com'}\n")},
			`invalid parameter schema: $ref "#/$defs/nope" points to nothing in the schema`},
		{"schema regex", Files{"actions/f.yaml": []byte("action:\n  name: f\n  parameters:\n    type: object\n    properties:\n      x: {pattern: '('}\n  http: {url: 'https://example.com'}\n")},
			`invalid parameter schema: "pattern" is not a valid regular expression: missing closing ) in "("`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, problems := LoadRepository(tt.files, LoadOptions{})
			text := problems.Error()
			if !strings.Contains(text, tt.want) {
				t.Errorf("problems:\n%s\nwant one containing %q", text, tt.want)
			}
			for _, bad := range goInternals {
				if strings.Contains(text, bad) {
					t.Errorf("problems show %q:\n%s", bad, text)
				}
			}
		})
	}
}
