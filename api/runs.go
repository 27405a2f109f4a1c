package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/policycortex/policycortex/engine"
	"github.com/policycortex/policycortex/store"
)

// MaxRunsLimit is the largest limit GET /v1/runs accepts.
const MaxRunsLimit = 1000

// DefaultRunsLimit is the limit of GET /v1/runs when none is given.
const DefaultRunsLimit = 50

// RunList is the body of GET /v1/runs.
type RunList struct {
	// Runs are newest first, each with its steps and approval stages. Step
	// inputs and outputs are left out; GET /v1/runs/{id} has them.
	Runs []*store.Run `json:"runs"`
}

// runStatuses lists the run states a status filter may name.
func runStatuses() []store.RunStatus {
	return []store.RunStatus{
		store.RunPending, store.RunRunning, store.RunWaitingApproval,
		store.RunSucceeded, store.RunFailed, store.RunCancelled, store.RunTimedOut,
	}
}

// ValidRunStatus reports whether s names a run state.
func ValidRunStatus(s string) bool {
	for _, status := range runStatuses() {
		if string(status) == s {
			return true
		}
	}
	return false
}

// handleListRuns serves GET /v1/runs?workflow=&status=&since=&limit=.
func (s *Server) handleListRuns(w http.ResponseWriter, r *http.Request) {
	filter, err := parseRunFilter(r)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	runs, err := s.cfg.Store.ListRuns(r.Context(), filter)
	if err != nil {
		s.readFailed(w, r, err)
		return
	}
	if runs == nil {
		runs = []*store.Run{}
	}
	// Step inputs and outputs can each approach an event's size, so a
	// listing leaves them out; GET /v1/runs/{id} has them.
	for _, run := range runs {
		for _, step := range run.Steps {
			step.Input, step.Output = nil, nil
		}
	}
	writeJSON(w, http.StatusOK, RunList{Runs: runs})
}

// parseRunFilter reads the query of GET /v1/runs. since is an RFC 3339
// time; limit is 1 to MaxRunsLimit, default DefaultRunsLimit.
func parseRunFilter(r *http.Request) (store.RunFilter, error) {
	q := r.URL.Query()
	filter := store.RunFilter{Workflow: q.Get("workflow"), Limit: DefaultRunsLimit}
	if status := q.Get("status"); status != "" {
		if !ValidRunStatus(status) {
			return filter, fmt.Errorf("invalid status %q; use one of %v", status, runStatuses())
		}
		filter.Status = store.RunStatus(status)
	}
	if since := q.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339Nano, since)
		if err != nil {
			return filter, fmt.Errorf("invalid since %q: want an RFC 3339 time such as 2025-01-02T15:04:05Z", since)
		}
		// Times are stored as int64 Unix nanoseconds, which cover 1678 to 2262.
		if t.Before(time.Unix(0, math.MinInt64)) || t.After(time.Unix(0, math.MaxInt64)) {
			return filter, fmt.Errorf("invalid since %q: must be between the years 1678 and 2262", since)
		}
		filter.Since = t
	}
	if limit := q.Get("limit"); limit != "" {
		n, err := strconv.Atoi(limit)
		if err != nil || n < 1 || n > MaxRunsLimit {
			return filter, fmt.Errorf("invalid limit %q: want an integer from 1 to %d", limit, MaxRunsLimit)
		}
		filter.Limit = n
	}
	return filter, nil
}

// handleGetRun serves GET /v1/runs/{id}.
func (s *Server) handleGetRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	run, err := s.cfg.Store.GetRun(r.Context(), id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("run %q not found", id))
		return
	}
	if err != nil {
		s.readFailed(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, run)
}

// CancelRequest is the optional body of POST /v1/runs/{id}/cancel.
type CancelRequest struct {
	Reason string `json:"reason"`
}

// maxCancelBytes bounds the body of a cancel request.
const maxCancelBytes = 64 << 10

// handleCancelRun serves POST /v1/runs/{id}/cancel: 200 with the cancelled
// run, 404 for an unknown run, 409 for a finished one.
func (s *Server) handleCancelRun(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	var req CancelRequest
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCancelBytes))
	if err != nil {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("cancel body over %d bytes", maxCancelBytes))
		return
	}
	if len(bytes.TrimSpace(body)) > 0 {
		if err := json.Unmarshal(body, &req); err != nil {
			writeError(w, http.StatusBadRequest, "invalid cancel body: want {\"reason\": \"...\"}: "+err.Error())
			return
		}
	}
	err = s.cfg.Engine.Cancel(r.Context(), id, req.Reason)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("run %q not found", id))
		return
	case errors.Is(err, engine.ErrRunFinished):
		writeError(w, http.StatusConflict, err.Error())
		return
	case err != nil:
		s.log.Error("cancel run failed", slog.String("run", id), slog.Any("error", err))
		writeError(w, http.StatusInternalServerError, err.Error())
		return
	}
	s.handleGetRun(w, r)
}

// readFailed logs a failed store read and responds 500, or 503 when the
// request was cancelled.
func (s *Server) readFailed(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		writeError(w, http.StatusServiceUnavailable, "request cancelled: "+err.Error())
		return
	}
	s.log.Error("store read failed", slog.String("path", r.URL.Path), slog.Any("error", err))
	writeError(w, http.StatusInternalServerError, err.Error())
}
