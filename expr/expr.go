package expr

import (
	"time"
)

// Error is a compile or evaluation error. Line and Col are 1-based offsets
// inside the expression source (zero when unknown) so that callers can map
// them onto a file position. Columns count characters (runes), not bytes.
type Error struct {
	Line, Col int
	Msg       string
	// Path locates the failing string inside a Value tree, such as
	// "recipients[1]" or "body.title". It is empty outside CompileValue and
	// Value.Render.
	Path string
	// Err is the underlying cause when there is one, such as a
	// *MissingFieldError, so that errors.As can inspect it.
	Err error
}

// Error returns the message, prefixed with Path when set. It leaves out
// Line and Col, which callers add when they map them onto a file.
func (e *Error) Error() string {
	if e.Path != "" {
		return e.Path + ": " + e.Msg
	}
	return e.Msg
}

// Unwrap returns the underlying cause, or nil.
func (e *Error) Unwrap() error { return e.Err }

// Vars are the values an expression, template or script can read.
type Vars struct {
	// Event is the whole CloudEvent as a JSON object.
	Event map[string]any
	// Data is the event's data object; its top-level keys are also visible
	// as bare identifiers.
	Data map[string]any
	// Steps maps a finished step's name to {"output": ..., "status": ...}.
	Steps map[string]any
	// Workflow holds name, version, file and commit.
	Workflow map[string]any
	// Run holds id and started_at.
	Run map[string]any
	// Conditions are the named conditions in scope, evaluated lazily when an
	// expression names them.
	Conditions map[string]*Program
	// Extra holds further top-level variables, such as params and endpoint
	// in action bindings.
	Extra map[string]any
	// Now is the evaluation time; Location is the workflow's time zone used
	// for `time`, `today` and `current_week`.
	Now      time.Time
	Location *time.Location
}
