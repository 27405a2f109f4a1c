package schema

import (
	"sync"
	"time"

	"github.com/policycortex/policycortex/expr"
)

// Files maps slash-separated paths, relative to the policy repository root,
// to file contents. Lint fills it from disk and the reconciler from a Git tree,
// so both judge exactly the same bytes.
type Files map[string][]byte

// Repository is a policy repository loaded, validated and compiled.
type Repository struct {
	// Workflows are sorted by Name.
	Workflows []*Workflow
	// Actions are the user-defined actions from actions/*.yaml, by name.
	Actions map[string]*ActionDef
	// Conditions are the repository-wide named conditions from conditions.yaml.
	Conditions []*NamedCondition
	// ApprovalChains are the reusable chains from approval-chains/*.yaml, by
	// file base name.
	ApprovalChains map[string][]*ApprovalStage
	// Approvers are the groups from approvers.yaml, by name; nil when the
	// repository has no approvers.yaml.
	Approvers map[string]*ApproverGroup
	// Files are the bytes the repository was loaded from.
	Files Files

	// cache lets the next LoadRepository reuse what did not change.
	cache *loadCache

	digestOnce sync.Once
	digests    digestContext
}

// ApproverGroup is a named group of people who may approve a gate.
type ApproverGroup struct {
	Name        string
	Description string
	Members     []Approver
	Pos         Pos
}

// Approver is one member of an approver group with the public keys that
// prove their approvals.
type Approver struct {
	Name  string
	Email string
	// PGPKey is an ASCII-armored OpenPGP public key; empty when absent.
	PGPKey string
	// SSHKey is an SSH public key in authorized_keys format; empty when
	// absent.
	SSHKey string
}

// Workflow is one compiled workflow file.
type Workflow struct {
	Name        string
	Description string
	// Version is the author's version string; empty when the file has none.
	Version string
	// File is the repository path of the workflow file.
	File string
	Pos  Pos
	// Digest is the hex SHA-256 of the file content.
	Digest string

	Trigger Trigger
	// Conditions are the workflow's own named conditions. A name here hides a
	// repository-wide condition of the same name.
	Conditions    []*NamedCondition
	Steps         []*Step
	Approval      *Approval
	ApprovalChain []*ApprovalStage
	// ApprovalChainName is the approval-chains/ file the chain comes from;
	// empty for an inline chain or none.
	ApprovalChainName string
}

// Trigger selects the events or the schedule that start a workflow.
type Trigger struct {
	// Event is the CloudEvents type to match; empty for a schedule-only trigger.
	Event string
	// Matches must all hold for an event to start a run.
	Matches  []Match
	Schedule *Schedule
	// Location is the trigger's time zone (UTC unless set), which
	// expressions use for `time`, `today` and `current_week`.
	Location *time.Location
	Pos      Pos
}

// Match is one `key: value` item of a trigger or step `conditions` list. Key
// is a dotted path into the event's data. A list value means "any of", and a
// list-valued attribute matches when the two lists overlap.
type Match struct {
	Key    string
	Values []any
	// List is true when the YAML value was a list.
	List bool
	Pos  Pos
}

// Schedule is a parsed trigger.schedule.
//
// A cron schedule, in either form, matches the wall clock of Location. How
// it fires across daylight-saving changes depends on its minute and hour
// fields:
//   - A fixed-time schedule lists only single values in both fields, as in
//     "30 2 * * *" or "0,30 9,17 * * 1-5". Each of its wall times fires at
//     most once. A wall time that a forward change skips fires at the
//     first instant after the skipped span, and every skipped time of one
//     span shares that one firing: in America/New_York, "30 2 * * *" fires
//     at 03:00 EDT on the spring-forward day. A wall time that a backward
//     change repeats fires at its first occurrence only: "30 1 * * *" fires
//     at 01:30 EDT on the fall-back day and not again at 01:30 EST.
//   - An interval schedule has "*", "?", a range or a step in the minute
//     or hour field, as in "*/15 * * * *", "0 * * * *" or "0 9-17 * * *".
//     It follows elapsed time and fires at every instant whose wall clock
//     matches. It does not fire at wall times that a forward change skips,
//     and it fires at both occurrences of wall times that a backward change
//     repeats: in America/New_York, "0 * * * *" fires at 01:00 EDT,
//     01:00 EST and 02:00 EST on the fall-back day, and at 01:00 EST and
//     03:00 EDT on the spring-forward day.
//
// Vixie cron and cronie make the same split between fixed-time and
// interval jobs, except that they count a field as an interval only when
// it starts with "*", so "0 9-17 * * *" is a fixed-time job there.
//
// A rate schedule ignores Location: it fires at every whole multiple of its
// interval counted from the Unix epoch, 1970-01-01T00:00:00Z. rate(1 day)
// fires at 00:00 UTC and rate(6 hours) at 00:00, 06:00, 12:00 and 18:00 UTC.
type Schedule struct {
	// Spec is the text as written: "cron(0 9 * * MON)", "0 9 * * 1" or "rate(5 minutes)".
	Spec     string
	Location *time.Location
	// Next returns the first firing time strictly after t.
	Next func(t time.Time) time.Time
}

// NamedCondition is a CEL condition that other conditions, approval rules and
// steps refer to by name.
type NamedCondition struct {
	Name    string
	Program *expr.Program
	Pos     Pos
}

// Step is one workflow step. Exactly one of Action, Script or neither (an
// evaluation step, which succeeds with output true when its conditions hold)
// is set.
type Step struct {
	Name string
	Type string
	// Action is the catalog name of the action to invoke; empty for script
	// and evaluation steps.
	Action     string
	Parameters *expr.Value
	// Condition is the step's `condition`; nil when absent.
	Condition *expr.Program
	// Matches are the step's `key: value` `conditions` items.
	Matches []Match
	// Expressions are the step's string `conditions` items: CEL expressions or
	// names of named conditions.
	Expressions []*expr.Program
	Script      *expr.Script
	// Timeout bounds one attempt; zero means the engine default.
	Timeout time.Duration
	// MaxDelay is the start deadline measured from the run's creation; zero
	// means none.
	MaxDelay  time.Duration
	Retry     Retry
	OnFailure OnFailure
	Pos       Pos
}

// Retry is a step's retry policy. The workflow schema bounds MaxAttempts
// to 1-100 and Backoff and MaxBackoff to at most 24 hours.
type Retry struct {
	// MaxAttempts counts the first attempt; 1 means no retry.
	MaxAttempts int
	// Backoff is the delay before the second attempt; it doubles on each
	// further attempt up to MaxBackoff.
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// OnFailure is the effect of a failed step on its run.
type OnFailure string

// Values of OnFailure.
const (
	OnFailureFail     OnFailure = "fail"
	OnFailureContinue OnFailure = "continue"
)

// Approval is a single-stage approval gate in front of a workflow's steps.
type Approval struct {
	// RequiredFor names conditions; the gate applies when any holds, and
	// always when the list is empty.
	RequiredFor []string
	// Approvers are group names from approvers.yaml.
	Approvers []string
	// Timeout is how long the gate waits; zero means the engine default.
	Timeout time.Duration
	Pos     Pos
}

// ApprovalStage is one stage of an approval chain. Stages are passed in order
// and a stage whose Condition is false is skipped.
type ApprovalStage struct {
	Name      string
	Approvers []string
	Condition *expr.Program
	Timeout   time.Duration
	Pos       Pos
}

// ActionDef is a user-defined action from actions/*.yaml, bound to the
// built-in http or exec action.
type ActionDef struct {
	Name        string
	Description string
	File        string
	Pos         Pos
	// ParameterSchema is the JSON Schema of the action's parameters, as JSON.
	ParameterSchema []byte
	// Required lists the required parameter names.
	Required []string
	HTTP     *HTTPBinding
	Exec     *ExecBinding
}

// HTTPBinding binds an action to an HTTP request. Templates see `params`
// (the step's rendered parameters) and `endpoint` (the connectors-file entry
// named by Endpoint, so secrets stay out of the repository).
type HTTPBinding struct {
	// Endpoint names an entry of the connectors file; empty when URL is absolute.
	Endpoint string
	Method   string
	// URL is absolute, or a path appended to the endpoint's base URL.
	URL     *expr.Template
	Headers map[string]*expr.Template
	Body    *expr.Value
	Timeout time.Duration
}

// ExecBinding binds an action to a program run without a shell.
type ExecBinding struct {
	Command string
	Args    []*expr.Template
	// Env lists the environment variable names passed through.
	Env     []string
	Timeout time.Duration
}
