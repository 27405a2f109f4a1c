package schema

import (
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"regexp/syntax"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
)

// genericMessage phrases the keyword failures that leafIssues does not
// handle itself. Every kind of the jsonschema library that validation can
// report has a case here, so the library's own wording, which names Go
// types and keyword internals, is never shown.
func genericMessage(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Enum:
		return fmt.Sprintf("must be one of %s; got %s", joinValues(k.Want), displayValue(k.Got))
	case *kind.Const:
		return fmt.Sprintf("must be %s; got %s", displayValue(k.Want), displayValue(k.Got))
	case *kind.Pattern:
		return fmt.Sprintf("value %q does not match the pattern %s", k.Got, k.Want)
	case *kind.MinLength:
		if k.Want == 1 {
			return "must not be empty"
		}
		return fmt.Sprintf("must be at least %d characters long", k.Want)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long", k.Want)
	case *kind.MinItems:
		return fmt.Sprintf("must have at least %d %s", k.Want, plural(k.Want, "item"))
	case *kind.MaxItems:
		return fmt.Sprintf("must have at most %d %s", k.Want, plural(k.Want, "item"))
	case *kind.MinProperties:
		return fmt.Sprintf("must have at least %d %s", k.Want, plural(k.Want, "key"))
	case *kind.MaxProperties:
		return fmt.Sprintf("must have at most %d %s", k.Want, plural(k.Want, "key"))
	case *kind.Format:
		return formatMessage(k)
	case *kind.UniqueItems:
		return fmt.Sprintf("has equal items at %d and %d", k.Duplicates[0], k.Duplicates[1])
	case *kind.OneOf:
		return "matches more than one of the allowed forms"
	}
	if msg := numberMessage(e.ErrorKind); msg != "" {
		return msg
	}
	return rareKeywordMessage(e.ErrorKind)
}

// numberMessage phrases the numeric bounds, or returns "".
func numberMessage(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Minimum:
		return fmt.Sprintf("must be at least %s; got %s", ratText(k.Want), ratText(k.Got))
	case *kind.Maximum:
		return fmt.Sprintf("must be at most %s; got %s", ratText(k.Want), ratText(k.Got))
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("must be greater than %s; got %s", ratText(k.Want), ratText(k.Got))
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("must be less than %s; got %s", ratText(k.Want), ratText(k.Got))
	case *kind.MultipleOf:
		return fmt.Sprintf("must be a multiple of %s; got %s", ratText(k.Want), ratText(k.Got))
	case *kind.InvalidJsonValue:
		return "is .inf or .nan, which has no JSON value; write a finite number"
	}
	return ""
}

// rareKeywordMessage phrases the keywords that built-in schemas do not use
// but a user-defined parameter schema may.
func rareKeywordMessage(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Not:
		return "matches a schema that it must not match"
	case *kind.Contains:
		return "has no item that matches the contains schema"
	case *kind.MinContains:
		return fmt.Sprintf("must have at least %d %s that match the contains schema; %d do", k.Want, plural(k.Want, "item"), len(k.Got))
	case *kind.MaxContains:
		return fmt.Sprintf("must have at most %d %s that match the contains schema; %d do", k.Want, plural(k.Want, "item"), len(k.Got))
	case *kind.DependentRequired:
		return fmt.Sprintf("has the key %q, so it also needs %s", k.Prop, quotedList(k.Missing))
	case *kind.Dependency:
		return fmt.Sprintf("has the key %q, so it also needs %s", k.Prop, quotedList(k.Missing))
	case *kind.AdditionalItems:
		return fmt.Sprintf("has %d more %s than the schema allows", k.Count, plural(k.Count, "item"))
	case *kind.ContentEncoding:
		return fmt.Sprintf("is not valid %s text", k.Want)
	case *kind.ContentMediaType:
		return fmt.Sprintf("is not valid %s content", k.Want)
	case *kind.ContentSchema:
		return "has content that does not match its content schema"
	case *kind.FalseSchema:
		return "is not allowed here"
	}
	return "does not match the schema"
}

// gotValue returns the offending value of a keyword failure for a custom
// message, or "" when the kind carries none worth showing.
func gotValue(k jsonschema.ErrorKind) string {
	switch k := k.(type) {
	case *kind.Pattern:
		return strconv.Quote(k.Got)
	case *kind.Format:
		return displayValue(k.Got)
	case *kind.Const:
		return displayValue(k.Got)
	case *kind.Enum:
		return displayValue(k.Got)
	case *kind.Minimum:
		return ratText(k.Got)
	case *kind.Maximum:
		return ratText(k.Got)
	case *kind.ExclusiveMinimum:
		return ratText(k.Got)
	case *kind.ExclusiveMaximum:
		return ratText(k.Got)
	}
	return ""
}

// formatNames gives the standard formats the names and examples that
// messages use.
var formatNames = map[string]string{
	"go-duration":           "duration",
	"date":                  "date such as 2025-01-31",
	"date-time":             "RFC 3339 date-time such as 2025-01-31T09:00:00Z",
	"time":                  "RFC 3339 time such as 09:00:00Z",
	"duration":              "ISO 8601 duration such as P1DT12H",
	"email":                 "email address",
	"idn-email":             "email address",
	"hostname":              "host name",
	"idn-hostname":          "host name",
	"ipv4":                  "IPv4 address",
	"ipv6":                  "IPv6 address",
	"uri":                   "absolute URI such as https://example.com/path",
	"iri":                   "absolute IRI",
	"uri-reference":         "URI reference",
	"iri-reference":         "IRI reference",
	"uri-template":          "URI template",
	"uuid":                  "UUID",
	"regex":                 "regular expression",
	"json-pointer":          "JSON pointer",
	"relative-json-pointer": "relative JSON pointer",
}

// formatMessage phrases a format failure. The reason is kept when it is
// plain words, and dropped when it would show Go internals such as the
// layout string of a time.ParseError.
func formatMessage(k *kind.Format) string {
	name := k.Want
	if n, ok := formatNames[name]; ok {
		name = n
	}
	if reason := formatReason(k.Err); reason != "" {
		return fmt.Sprintf("is not a valid %s: %s", name, reason)
	}
	return "is not a valid " + name
}

// formatReason returns the reason of a format error in plain words, or ""
// when it has none to show.
func formatReason(err error) string {
	var timeErr *time.ParseError
	var urlErr *url.Error
	var reErr *syntax.Error
	switch {
	case err == nil, errors.As(err, &timeErr):
		return ""
	case errors.As(err, &urlErr):
		return urlErr.Err.Error()
	case errors.As(err, &reErr):
		return fmt.Sprintf("%s in %q", reErr.Code, reErr.Expr)
	}
	return err.Error()
}

// ratText formats a schema number as a decimal, such as 100 or 0.5.
func ratText(r *big.Rat) string {
	if r == nil {
		return "?"
	}
	if r.IsInt() {
		return r.RatString()
	}
	text := strings.TrimRight(r.FloatString(10), "0")
	return strings.TrimSuffix(text, ".")
}

func quotedList(names []string) string {
	quoted := make([]string, len(names))
	for i, n := range names {
		quoted[i] = strconv.Quote(n)
	}
	return strings.Join(quoted, ", ")
}
