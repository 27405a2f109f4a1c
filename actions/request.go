package actions

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Request kinds.
const (
	KindHTTP = "http"
	KindExec = "exec"
)

// Request is the side effect an action would perform, as Render returns it
// for `workflow test --dry-run`. Secrets are already replaced by "***".
type Request struct {
	// Kind is KindHTTP or KindExec.
	Kind string `json:"kind"`

	// Method, URL, Headers and Body describe an HTTP request. Body is the
	// value sent as JSON.
	Method  string            `json:"method,omitempty"`
	URL     string            `json:"url,omitempty"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    any               `json:"body,omitempty"`

	// Command, Args, Env and Stdin describe a program run. Env holds
	// NAME=value items; Stdin is the value written to standard input as
	// JSON.
	Command string   `json:"command,omitempty"`
	Args    []string `json:"args,omitempty"`
	Env     []string `json:"env,omitempty"`
	Stdin   any      `json:"stdin,omitempty"`
}

// String formats the request over several lines: the request line, sorted
// headers or environment, a blank line and the indented JSON payload.
func (r Request) String() string {
	var b strings.Builder
	switch r.Kind {
	case KindExec:
		b.WriteString("exec ")
		b.WriteString(shellQuote(r.Command))
		for _, arg := range r.Args {
			b.WriteByte(' ')
			b.WriteString(shellQuote(arg))
		}
		b.WriteByte('\n')
		env := append([]string(nil), r.Env...)
		sort.Strings(env)
		for _, item := range env {
			fmt.Fprintf(&b, "env %s\n", item)
		}
		writePayload(&b, "stdin", r.Stdin)
	default:
		fmt.Fprintf(&b, "%s %s\n", r.Method, r.URL)
		names := make([]string, 0, len(r.Headers))
		for name := range r.Headers {
			names = append(names, name)
		}
		sort.Strings(names)
		for _, name := range names {
			fmt.Fprintf(&b, "%s: %s\n", name, r.Headers[name])
		}
		writePayload(&b, "body", r.Body)
	}
	return strings.TrimRight(b.String(), "\n")
}

// writePayload appends a blank line and payload as indented JSON.
func writePayload(b *strings.Builder, label string, payload any) {
	if payload == nil {
		return
	}
	b.WriteByte('\n')
	data, err := json.MarshalIndent(payload, "", "  ")
	if err != nil {
		fmt.Fprintf(b, "(%s not encodable as JSON: %v)\n", label, err)
		return
	}
	b.Write(data)
	b.WriteByte('\n')
}

// shellQuote quotes s for display when it is empty or holds characters a
// shell would split or expand. Nothing is run through a shell.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\$`;&|<>(){}[]*?!#~") {
		return s
	}
	return strconv.Quote(s)
}
