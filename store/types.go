package store

import (
	"encoding/json"
	"errors"
	"time"
)

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// RunStatus is the state of a run.
type RunStatus string

// Run states. Succeeded, failed, cancelled and timed_out are final.
const (
	RunPending         RunStatus = "pending"
	RunRunning         RunStatus = "running"
	RunWaitingApproval RunStatus = "waiting_approval"
	RunSucceeded       RunStatus = "succeeded"
	RunFailed          RunStatus = "failed"
	RunCancelled       RunStatus = "cancelled"
	RunTimedOut        RunStatus = "timed_out"
)

// Final reports whether no further transition leaves the status.
func (s RunStatus) Final() bool {
	switch s {
	case RunSucceeded, RunFailed, RunCancelled, RunTimedOut:
		return true
	}
	return false
}

// StepStatus is the state of one step of a run.
type StepStatus string

// Step states.
const (
	StepPending   StepStatus = "pending"
	StepRunning   StepStatus = "running"
	StepSucceeded StepStatus = "succeeded"
	StepFailed    StepStatus = "failed"
	StepSkipped   StepStatus = "skipped"
	StepTimedOut  StepStatus = "timed_out"
)

// GateStatus is the state of one approval stage.
type GateStatus string

// Approval stage states.
const (
	GatePending  GateStatus = "pending"
	GateApproved GateStatus = "approved"
	GateSkipped  GateStatus = "skipped"
	GateExpired  GateStatus = "expired"
)

// Change is the kind of a workflow difference between two snapshots.
type Change string

// Values of Change.
const (
	ChangeAdded   Change = "added"
	ChangeChanged Change = "changed"
	ChangeRemoved Change = "removed"
)

// WorkflowRecord is one workflow of a snapshot.
type WorkflowRecord struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	File    string `json:"file"`
	Digest  string `json:"digest"`
}

// DiffEntry is one workflow added, changed or removed by an activation.
type DiffEntry struct {
	Workflow   string `json:"workflow"`
	Change     Change `json:"change"`
	OldVersion string `json:"old_version,omitempty"`
	NewVersion string `json:"new_version,omitempty"`
	OldDigest  string `json:"old_digest,omitempty"`
	NewDigest  string `json:"new_digest,omitempty"`
	// Warning is set when the content changed but the version did not.
	Warning string `json:"warning,omitempty"`
}

// Activation is a validated commit to make the active snapshot.
type Activation struct {
	Commit    string
	Branch    string
	Files     map[string][]byte
	Workflows []WorkflowRecord
	Diff      []DiffEntry
	At        time.Time
}

// Snapshot is an activated commit.
type Snapshot struct {
	ID          int64            `json:"id"`
	Commit      string           `json:"commit"`
	Branch      string           `json:"branch"`
	ActivatedAt time.Time        `json:"activated_at"`
	Workflows   []WorkflowRecord `json:"workflows"`
}

// ProblemRecord is one validation problem of a rejected commit.
type ProblemRecord struct {
	File    string `json:"file"`
	Line    int    `json:"line"`
	Col     int    `json:"column"`
	Message string `json:"message"`
}

// Rejection records a commit that failed validation and was not activated.
type Rejection struct {
	Commit   string
	Branch   string
	At       time.Time
	Problems []ProblemRecord
}

// Outcome is the result of one reconcile attempt.
type Outcome string

// Values of Outcome.
const (
	OutcomeActivated Outcome = "activated"
	OutcomeRejected  Outcome = "rejected"
)

// ReconcileRecord is one activation or rejection, newest first in listings.
type ReconcileRecord struct {
	ID         int64           `json:"id"`
	Commit     string          `json:"commit"`
	Branch     string          `json:"branch"`
	Outcome    Outcome         `json:"outcome"`
	At         time.Time       `json:"at"`
	SnapshotID int64           `json:"snapshot_id,omitempty"`
	Diff       []DiffEntry     `json:"diff,omitempty"`
	Problems   []ProblemRecord `json:"problems,omitempty"`
}

// Event is an accepted CloudEvent. Seq is assigned on ingestion.
type Event struct {
	Seq        int64           `json:"seq"`
	Source     string          `json:"source"`
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Time       time.Time       `json:"time"`
	Body       json.RawMessage `json:"body"`
	ReceivedAt time.Time       `json:"received_at"`
}

// NewRun is a run to create together with the event that started it.
type NewRun struct {
	ID         string
	Workflow   string
	SnapshotID int64
	// Steps are the step names in order; each gets a pending step row.
	Steps     []string
	CreatedAt time.Time
}

// IngestResult tells whether an event was new.
type IngestResult struct {
	Seq int64
	// Duplicate is true when (source, id) was already stored; no runs were
	// created and Seq is the stored event's.
	Duplicate bool
	// RunIDs are the runs created with the event, or those created when it
	// was first stored.
	RunIDs []string
}

// Run is a workflow run with its steps and approval stages.
type Run struct {
	ID         string    `json:"id"`
	Workflow   string    `json:"workflow"`
	SnapshotID int64     `json:"snapshot_id"`
	Commit     string    `json:"commit"`
	Version    string    `json:"version"`
	EventSeq   int64     `json:"event_seq"`
	Status     RunStatus `json:"status"`
	Error      string    `json:"error,omitempty"`
	// NextStep is the index of the first step not yet finished.
	NextStep   int        `json:"next_step"`
	NotBefore  time.Time  `json:"not_before"`
	CreatedAt  time.Time  `json:"created_at"`
	StartedAt  *time.Time `json:"started_at,omitempty"`
	FinishedAt *time.Time `json:"finished_at,omitempty"`
	Steps      []*Step    `json:"steps"`
	Gates      []*Gate    `json:"approvals,omitempty"`
}

// Step is the stored state of one step of a run.
type Step struct {
	Index      int             `json:"index"`
	Name       string          `json:"name"`
	Status     StepStatus      `json:"status"`
	Attempts   int             `json:"attempts"`
	Input      json.RawMessage `json:"input,omitempty"`
	Output     json.RawMessage `json:"output,omitempty"`
	Error      string          `json:"error,omitempty"`
	StartedAt  *time.Time      `json:"started_at,omitempty"`
	FinishedAt *time.Time      `json:"finished_at,omitempty"`
	// StartDelay is the time from run creation to the step's first start.
	StartDelay time.Duration `json:"start_delay_ns,omitempty"`
	// DeadlineMissed is true when the step started after its max_delay.
	DeadlineMissed bool `json:"deadline_missed,omitempty"`
}

// Gate is one stored approval stage of a run.
type Gate struct {
	Index     int        `json:"index"`
	Name      string     `json:"name"`
	Approvers []string   `json:"approvers"`
	Status    GateStatus `json:"status"`
	Deadline  time.Time  `json:"deadline"`
	DecidedAt *time.Time `json:"decided_at,omitempty"`
	DecidedBy string     `json:"decided_by,omitempty"`
}

// RunUpdate changes a run's state. Zero fields are left as they are, except
// that the lease is always released unless KeepLease is set.
type RunUpdate struct {
	RunID      string
	Status     RunStatus
	Error      string
	NextStep   *int
	NotBefore  *time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	KeepLease  bool
}

// StepStart records that an attempt of a step begins.
type StepStart struct {
	RunID string
	// Owner, when set, must hold the run's lease, else the write fails with
	// ErrLeaseLost: an engine whose lease lapsed does not record steps.
	Owner          string
	Index          int
	Attempt        int
	Input          json.RawMessage
	At             time.Time
	StartDelay     time.Duration
	DeadlineMissed bool
}

// StepFinish records the outcome of a step attempt, or a skip.
type StepFinish struct {
	RunID string
	// Owner, when set, must hold the run's lease, as in StepStart.
	Owner  string
	Index  int
	Status StepStatus
	Output json.RawMessage
	Error  string
	At     time.Time
}

// RunFilter selects runs for listing; zero fields do not filter. Runs are
// returned newest first.
type RunFilter struct {
	Workflow string
	Status   RunStatus
	Since    time.Time
	Limit    int
}

// ScheduleState is the stored state of one workflow schedule.
type ScheduleState struct {
	Workflow string
	Spec     string
	NextAt   time.Time
	LastAt   *time.Time
}
